"""Token verification: the development key and an OIDC issuer's JWKS (RS256)."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request

from shared.auth import Authenticator, JWKSCache, NoKnownRole, get_principal, issue_token
from shared.problems import Unauthorized
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY, BaseProcessSettings


def dev_token(**claims: Any) -> str:
    now = int(time.time())
    payload = {
        "sub": "alice",
        "roles": ["viewer"],
        "iss": DEV_ISSUER,
        "aud": DEV_AUDIENCE,
        "nbf": now,
        "exp": now + 60,
    }
    payload.update(claims)
    return jwt.encode(
        {k: v for k, v in payload.items() if v is not None}, DEV_JWT_KEY, algorithm="HS256"
    )


def _request(authenticator: Authenticator, token: str) -> Request:
    """A bare request to a service app holding `authenticator`, carrying `token`."""
    app = FastAPI()
    app.state.authenticator = authenticator
    headers = [(b"authorization", f"Bearer {token}".encode())]
    return Request({"type": "http", "app": app, "headers": headers, "method": "GET", "path": "/"})


class TestDevelopmentKey:
    authenticator = Authenticator(BaseProcessSettings())

    async def test_valid_token_gives_principal(self) -> None:
        principal = await self.authenticator.verify(dev_token(roles=["governance", "viewer"]))
        assert principal.subject == "alice"
        assert principal.roles == {"governance", "viewer"}
        assert principal.has_any("governance") and not principal.is_admin

    @pytest.mark.parametrize(
        ("claims", "message"),
        [
            ({"exp": int(time.time()) - 3600}, "expired"),
            ({"nbf": int(time.time()) + 3600}, "not valid yet"),
            ({"aud": "someone-else"}, "could not be verified"),
            ({"iss": "https://evil.example"}, "issuer is not trusted"),
            ({"iss": None}, "issuer is not trusted"),
            ({"sub": None}, "could not be verified"),
            ({"exp": None}, "could not be verified"),
        ],
    )
    async def test_claims_are_checked(self, claims: dict[str, Any], message: str) -> None:
        with pytest.raises(Unauthorized, match=message):
            await self.authenticator.verify(dev_token(**claims))

    async def test_alg_none_and_unexpected_algorithms_are_refused(self) -> None:
        now = int(time.time())
        claims = {"sub": "a", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "exp": now + 60}
        unsigned = jwt.encode(claims, None, algorithm="none")  # type: ignore[arg-type]
        hs512 = jwt.encode(
            claims, DEV_JWT_KEY + "-long-enough-for-hs512-0000000000000000", algorithm="HS512"
        )
        for token in (unsigned, hs512):
            with pytest.raises(Unauthorized, match="algorithm"):
                await self.authenticator.verify(token)

    async def test_wrong_key_is_refused(self) -> None:
        forged = issue_token(
            key="not-the-dev-key-but-long-enough-0000000",
            subject="a",
            roles=["admin"],
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
        )
        with pytest.raises(Unauthorized):
            await self.authenticator.verify(forged)

    async def test_roles_claim_path_is_configurable(self) -> None:
        authenticator = Authenticator(BaseProcessSettings(roles_claim="realm_access.roles"))
        principal = await authenticator.verify(
            dev_token(roles=None, realm_access={"roles": ["evaluator"]})
        )
        assert principal.roles == {"evaluator"}

    @pytest.mark.parametrize(
        ("roles", "message"),
        [
            (None, "has no `roles` claim"),
            ([], "is empty"),
            ("", "is empty"),
            (["auditor", "offline_access"], "holds no known role"),
            ("auditor", "holds no known role"),
            ({"admin": True}, "must be a list of strings"),
            (["admin", 7], "must be a list of strings"),
            ([["admin"]], "must be a list of strings"),
            (42, "must be a list of strings"),
            (True, "must be a list of strings"),
        ],
    )
    async def test_a_token_without_a_known_role_is_refused(self, roles: Any, message: str) -> None:
        # Verified (it is a real token) but refused by `get_principal` before any route runs.
        principal = await self.authenticator.verify(dev_token(roles=roles))
        assert principal.roles == frozenset()
        assert principal.roles_problem is not None and message in principal.roles_problem
        with pytest.raises(NoKnownRole, match=message) as refused:
            await get_principal(_request(self.authenticator, dev_token(roles=roles)))
        assert refused.value.status == 403

    async def test_unknown_roles_beside_a_known_one_are_ignored(self) -> None:
        for roles in (["viewer", "offline_access"], "offline_access viewer"):
            principal = await get_principal(_request(self.authenticator, dev_token(roles=roles)))
            assert principal.roles == {"viewer"}
            assert principal.roles_problem is None

    def test_production_refuses_the_development_key(self) -> None:
        with pytest.raises(ValueError, match="jwks_url"):
            BaseProcessSettings(environment="production")


@functools.cache
def issuer_keys() -> tuple[rsa.RSAPrivateKey, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    public_jwk.update({"kid": "key-1", "use": "sig", "alg": "RS256"})
    return private, {"keys": [public_jwk]}


@pytest.fixture
def keys() -> tuple[rsa.RSAPrivateKey, dict[str, Any]]:
    return issuer_keys()


class TestJWKS:
    def authenticator(self, jwks: dict[str, Any], calls: list[int]) -> Authenticator:
        def serve(request: httpx.Request) -> httpx.Response:
            calls.append(1)
            return httpx.Response(200, json=jwks)

        settings = BaseProcessSettings(
            jwks_url="https://idp.example/jwks",
            jwt_issuer="https://idp.example",
            jwt_audience="cmdi",
            dev_jwt_key=None,
        )
        authenticator = Authenticator(settings)
        assert isinstance(authenticator._jwks, JWKSCache)
        authenticator._jwks.transport = httpx.MockTransport(serve)
        return authenticator

    def token(
        self, private: rsa.RSAPrivateKey, *, kid: str = "key-1", algorithm: str = "RS256"
    ) -> str:
        now = int(time.time())
        claims = {
            "sub": "bob",
            "roles": ["admin"],
            "iss": "https://idp.example",
            "aud": "cmdi",
            "exp": now + 60,
        }
        return jwt.encode(claims, private, algorithm=algorithm, headers={"kid": kid})

    async def test_rs256_token_verified_against_cached_jwks(
        self, keys: tuple[rsa.RSAPrivateKey, dict[str, Any]]
    ) -> None:
        private, jwks = keys
        calls: list[int] = []
        authenticator = self.authenticator(jwks, calls)
        for _ in range(3):
            assert (await authenticator.verify(self.token(private))).subject == "bob"
        assert len(calls) == 1  # cached

    async def test_unknown_kid_and_hs256_confusion_are_refused(
        self, keys: tuple[rsa.RSAPrivateKey, dict[str, Any]]
    ) -> None:
        private, jwks = keys
        authenticator = self.authenticator(jwks, [])
        with pytest.raises(Unauthorized, match="signing key"):
            await authenticator.verify(self.token(private, kid="rotated-away"))
        # The classic confusion attack: HS256 signed with the public key's text.
        now = int(time.time())
        confused = jwt.encode(
            {"sub": "x", "iss": "https://idp.example", "aud": "cmdi", "exp": now + 60},
            "public-key-text-" + "x" * 32,
            algorithm="HS256",
        )
        with pytest.raises(Unauthorized, match="algorithm"):
            await authenticator.verify(confused)

    async def test_unreachable_idp_is_401_not_500(
        self, keys: tuple[rsa.RSAPrivateKey, dict[str, Any]]
    ) -> None:
        private, _ = keys
        settings = BaseProcessSettings(
            jwks_url="https://idp.example/jwks",
            jwt_issuer="https://idp.example",
            jwt_audience="cmdi",
            dev_jwt_key=None,
        )
        authenticator = Authenticator(settings)
        assert authenticator._jwks is not None

        def refuse(request: httpx.Request) -> httpx.Response:
            raise httpx.ConnectError("down", request=request)

        authenticator._jwks.transport = httpx.MockTransport(refuse)
        with pytest.raises(Unauthorized, match="could not be fetched"):
            await authenticator.verify(self.token(private))


class TestVerifiedTokenCache:
    async def test_a_remembered_token_still_expires(self) -> None:
        authenticator = Authenticator(BaseProcessSettings(jwt_leeway_seconds=0))
        token = dev_token(exp=int(time.time()) + 1)
        assert (await authenticator.verify(token)).subject == "alice"
        assert token in authenticator._verified
        await asyncio.sleep(1.6)
        with pytest.raises(Unauthorized, match="expired"):
            await authenticator.verify(token)

    async def test_the_cache_is_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(Authenticator, "VERIFIED_MAX", 3)  # the cache is sized at creation
        authenticator = Authenticator(BaseProcessSettings())
        for i in range(5):
            await authenticator.verify(dev_token(sub=f"user-{i}"))
        assert len(authenticator._verified) == 3
