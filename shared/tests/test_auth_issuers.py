"""Trusted issuers: each token is verified by the issuer it names, with that issuer's keys,
audience, algorithms and roles claim; the default list is today's single issuer plus, outside
production, the integrations service's OAuth issuer."""

from __future__ import annotations

import functools
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from shared.auth import Authenticator
from shared.problems import Unauthorized
from shared.settings import (
    DEV_AUDIENCE,
    DEV_ISSUER,
    DEV_JWT_KEY,
    INTEGRATIONS_ISSUER,
    BaseProcessSettings,
    TrustedIssuer,
)

IDP = "https://login.example.nhs.uk/"
IDP_JWKS = "https://login.example.nhs.uk/jwks"
OURS_JWKS = "http://127.0.0.1:8005/v1/oauth/jwks.json"


@functools.cache
def ec_key(kid: str) -> tuple[ec.EllipticCurvePrivateKey, dict[str, Any]]:
    private = ec.generate_private_key(ec.SECP256R1())
    public: dict[str, Any] = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    public.update({"kid": kid, "use": "sig", "alg": "ES256"})
    return private, public


def signed(kid: str, **claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": "job-1", "iat": now, "nbf": now, "exp": now + 60, **claims}
    return jwt.encode(
        {k: v for k, v in payload.items() if v is not None},
        ec_key(kid)[0],
        algorithm="ES256",
        headers={"kid": kid},
    )


def dev_token(**claims: Any) -> str:
    now = int(time.time())
    payload = {"sub": "alice", "roles": ["viewer"], "iss": DEV_ISSUER, "aud": DEV_AUDIENCE}
    return jwt.encode({**payload, "exp": now + 60, **claims}, DEV_JWT_KEY, algorithm="HS256")


class KeySets:
    """Every issuer's JWKS endpoint for httpx.MockTransport; counts fetches per URL."""

    def __init__(self, sets: dict[str, list[str]]) -> None:
        self.sets = sets
        self.fetches: dict[str, int] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        self.fetches[url] = self.fetches.get(url, 0) + 1
        return httpx.Response(200, json={"keys": [ec_key(kid)[1] for kid in self.sets[url]]})


def authenticator(settings: BaseProcessSettings, key_sets: KeySets) -> Authenticator:
    result = Authenticator(settings)
    for issuer in result.issuers.values():
        if issuer.jwks is not None:
            issuer.jwks.transport = httpx.MockTransport(key_sets)
    return result


class TestDefaults:
    def test_the_default_is_the_configured_issuer_plus_ours_outside_production(self) -> None:
        issuers = BaseProcessSettings().issuers()
        assert issuers == [
            TrustedIssuer(issuer=DEV_ISSUER, audience=DEV_AUDIENCE, roles_claim="roles"),
            TrustedIssuer(
                issuer=INTEGRATIONS_ISSUER,
                jwks_url=OURS_JWKS,
                audience=DEV_AUDIENCE,
                roles_claim="roles",
                algorithms=["ES256"],
            ),
        ]

    def test_our_issuer_follows_the_integrations_service_url(self) -> None:
        settings = BaseProcessSettings(service_urls={"integrations": "http://127.0.0.1:9999/"})
        assert settings.issuers()[1].jwks_url == "http://127.0.0.1:9999/v1/oauth/jwks.json"

    def test_production_trusts_only_what_it_is_told(self) -> None:
        settings = BaseProcessSettings(
            environment="production", jwks_url=IDP_JWKS, jwt_issuer=IDP, roles_claim="groups"
        )
        assert settings.issuers() == [
            TrustedIssuer(
                issuer=IDP, jwks_url=IDP_JWKS, audience=DEV_AUDIENCE, roles_claim="groups"
            )
        ]

    def test_the_list_is_read_from_the_environment_as_json(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        listed = [
            {"issuer": IDP, "jwks_url": IDP_JWKS, "audience": "api://cmdi", "roles_claim": "roles"},
            {"issuer": INTEGRATIONS_ISSUER, "jwks_url": OURS_JWKS, "audience": "cmdi-api"},
        ]
        monkeypatch.setenv("TRUSTED_ISSUERS", json.dumps(listed))
        settings = BaseProcessSettings(environment="production")  # every issuer has a JWKS
        assert [(i.issuer, i.audience) for i in settings.issuers()] == [
            (IDP, "api://cmdi"),
            (INTEGRATIONS_ISSUER, "cmdi-api"),
        ]

    @pytest.mark.parametrize(
        ("listed", "message"),
        [
            ([{"issuer": IDP, "audience": "a"}], "jwks_url"),  # the dev key, in production
            (
                [
                    {"issuer": IDP, "jwks_url": IDP_JWKS},
                    {"issuer": IDP, "jwks_url": OURS_JWKS},
                ],
                "each issuer once",
            ),
            ([{"issuer": IDP, "jwks_url": IDP_JWKS, "secret": "x"}], "secret"),
        ],
    )
    def test_a_bad_list_refuses_to_start(self, listed: list[dict[str, Any]], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            BaseProcessSettings(
                environment="production",
                trusted_issuers=[TrustedIssuer.model_validate(i) for i in listed]
                if message != "secret"
                else listed,
            )


def two_issuers() -> BaseProcessSettings:
    return BaseProcessSettings(
        trusted_issuers=[
            TrustedIssuer(
                issuer=IDP, jwks_url=IDP_JWKS, audience="api://cmdi", roles_claim="app.roles"
            ),
            TrustedIssuer(issuer=INTEGRATIONS_ISSUER, jwks_url=OURS_JWKS, audience="cmdi-api"),
            TrustedIssuer(issuer=DEV_ISSUER),
        ]
    )


class TestChoosingTheIssuer:
    async def test_each_issuer_verifies_its_own_tokens_with_its_own_rules(self) -> None:
        key_sets = KeySets({IDP_JWKS: ["idp-1"], OURS_JWKS: ["ours-1"]})
        auth = authenticator(two_issuers(), key_sets)
        person = await auth.verify(
            signed("idp-1", iss=IDP, aud="api://cmdi", sub="p", app={"roles": ["governance"]})
        )
        machine = await auth.verify(
            signed("ours-1", iss=INTEGRATIONS_ISSUER, aud="cmdi-api", roles=["reporter"])
        )
        developer = await auth.verify(dev_token())
        assert (person.subject, set(person.roles)) == ("p", {"governance"})
        assert (machine.subject, set(machine.roles)) == ("job-1", {"reporter"})
        assert developer.roles == {"viewer"}
        # One key cache per issuer: each set fetched once, for its own issuer's tokens.
        for i in range(3):
            await auth.verify(
                signed(
                    "ours-1", iss=INTEGRATIONS_ISSUER, aud="cmdi-api", roles=["viewer"], jti=str(i)
                )
            )
        assert key_sets.fetches == {IDP_JWKS: 1, OURS_JWKS: 1}

    async def test_an_unknown_issuer_is_refused_before_any_key_is_fetched(self) -> None:
        key_sets = KeySets({IDP_JWKS: ["idp-1"], OURS_JWKS: ["ours-1"]})
        auth = authenticator(two_issuers(), key_sets)
        for iss in ("https://evil.example", None, ""):
            with pytest.raises(Unauthorized, match="issuer is not trusted"):
                await auth.verify(signed("idp-1", iss=iss, aud="api://cmdi", roles=["admin"]))
        assert key_sets.fetches == {}

    @pytest.mark.parametrize(
        ("kid", "claims", "message"),
        [
            # Our token's audience is not the identity provider's.
            ("ours-1", {"iss": INTEGRATIONS_ISSUER, "aud": "api://cmdi"}, "could not be verified"),
            ("ours-1", {"iss": INTEGRATIONS_ISSUER, "aud": None}, "could not be verified"),
            # Signed by one issuer's key while naming the other: that issuer has no such key.
            ("idp-1", {"iss": INTEGRATIONS_ISSUER, "aud": "cmdi-api"}, "signing key"),
            ("ours-1", {"iss": IDP, "aud": "api://cmdi"}, "signing key"),
            ("ours-1", {"iss": INTEGRATIONS_ISSUER, "aud": "cmdi-api", "exp": 1}, "expired"),
        ],
    )
    async def test_a_token_is_held_to_the_rules_of_the_issuer_it_names(
        self, kid: str, claims: dict[str, Any], message: str
    ) -> None:
        auth = authenticator(two_issuers(), KeySets({IDP_JWKS: ["idp-1"], OURS_JWKS: ["ours-1"]}))
        with pytest.raises(Unauthorized, match=message):
            await auth.verify(signed(kid, roles=["viewer"], **claims))

    async def test_the_development_key_cannot_sign_for_a_jwks_issuer(self) -> None:
        auth = authenticator(two_issuers(), KeySets({IDP_JWKS: ["idp-1"], OURS_JWKS: ["ours-1"]}))
        forged = dev_token(iss=INTEGRATIONS_ISSUER, aud="cmdi-api", roles=["admin"])
        with pytest.raises(Unauthorized, match="algorithm"):
            await auth.verify(forged)

    async def test_shared_secret_algorithms_are_never_accepted_with_a_key_set(self) -> None:
        settings = BaseProcessSettings(
            trusted_issuers=[
                TrustedIssuer(issuer=IDP, jwks_url=IDP_JWKS, algorithms=["HS256", "ES256"])
            ]
        )
        auth = authenticator(settings, KeySets({IDP_JWKS: ["idp-1"]}))
        assert auth.issuers[IDP].algorithms == {"ES256"}

    async def test_an_es256_issuer_refuses_other_algorithms(self) -> None:
        # The integrations issuer's default list is ES256 only.
        auth = authenticator(BaseProcessSettings(), KeySets({OURS_JWKS: ["ours-1"]}))
        token = jwt.encode(
            {"sub": "x", "iss": INTEGRATIONS_ISSUER, "aud": DEV_AUDIENCE, "exp": 2**31},
            "k" * 64,
            algorithm="HS384",
        )
        with pytest.raises(Unauthorized, match="algorithm"):
            await auth.verify(token)
        ours = await auth.verify(
            signed("ours-1", iss=INTEGRATIONS_ISSUER, aud=DEV_AUDIENCE, roles=["reporter"])
        )
        assert ours.roles == {"reporter"}
