"""Machine clients (#13): registration, secrets shown once and kept as digests, rotation with
overlap, revocation, expiry, last use, the token endpoint (RFC 6749 §4.4, §5.2), its JWKS and
RFC 8414 metadata, and the tokens trusted by every service's default configuration."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote_plus

import httpx
import jwt
import pytest
from fastapi import FastAPI

from integrations_service.oauth import keys
from integrations_service.oauth.models import OAuthClient
from integrations_service.settings import Settings
from shared.auth import Authenticator
from shared.problems import Unauthorized
from shared.settings import DEV_AUDIENCE, INTEGRATIONS_ISSUER, BaseProcessSettings
from shared.testing import TokenFactory, api_client, assert_problem
from shared.testing.clock import ManualClock

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app) as api:
        yield api


async def make_client(admin: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await admin.post(
        "/v1/clients", json={"name": "nightly", "roles": ["reporter"], **body}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {**FORM, "Authorization": "Basic " + base64.b64encode(raw).decode()}


async def token_with_body(
    api: httpx.AsyncClient, client_id: str, secret: str, **extra: str
) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return await api.post("/v1/oauth/token", data={**form, **extra})


async def token_with_basic(
    api: httpx.AsyncClient, client_id: str, secret: str, **extra: str
) -> httpx.Response:
    form = {"grant_type": "client_credentials", **extra}
    return await api.post("/v1/oauth/token", data=form, headers=basic(client_id, secret))


def assert_token_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "error_description"}
    assert body["error"] == error
    return body


async def jwks(api: httpx.AsyncClient) -> dict[str, Any]:
    response = await api.get("/v1/oauth/jwks.json")
    assert response.status_code == 200
    keyset: dict[str, Any] = response.json()
    return keyset


def platform_authenticator(keyset: dict[str, Any]) -> Authenticator:
    """A service's authenticator as `make run` configures it, fetching our JWKS in memory."""
    authenticator = Authenticator(BaseProcessSettings())
    ours = authenticator.issuers[INTEGRATIONS_ISSUER]
    assert ours.jwks is not None
    ours.jwks.transport = httpx.MockTransport(lambda _: httpx.Response(200, json=keyset))
    return authenticator


class TestClients:
    async def test_create_shows_the_secret_once_and_keeps_only_its_digest(
        self, app: FastAPI, admin: httpx.AsyncClient
    ) -> None:
        response = await admin.post(
            "/v1/clients", json={"name": " Nightly export ", "roles": ["viewer", "reporter"]}
        )
        assert response.status_code == 201
        created = response.json()
        assert response.headers["location"] == f"/v1/clients/{created['id']}"
        assert response.headers["cache-control"] == "no-store"
        assert created["client_id"] == created["id"]
        assert created["client_secret"].startswith("cmdi_cs_")
        assert len(created["client_secret"]) >= 8 + 43  # 256 bits, base64url
        assert created["name"] == "Nightly export"
        assert created["roles"] == ["reporter", "viewer"]
        assert created["status"] == "active"
        assert created["created_by"] == "ada-admin"
        assert created["last_used_at"] is None

        read = await admin.get(f"/v1/clients/{created['id']}")
        assert read.status_code == 200
        assert "client_secret" not in read.json() and "secret_hash" not in read.json()
        listed = (await admin.get("/v1/clients")).json()["items"]
        assert [c["id"] for c in listed] == [created["id"]]
        assert "client_secret" not in listed[0]

        async with app.state.database.sessionmaker() as session:
            stored = await session.get(OAuthClient, uuid.UUID(created["id"]))
        assert stored is not None
        assert stored.secret_hash == hashlib.sha256(created["client_secret"].encode()).hexdigest()
        # Audited, and no secret (nor its digest) in the trail or the feed.
        trail = (await admin.get("/v1/audit", params={"entity_id": created["id"]})).json()
        assert [entry["action"] for entry in trail["items"]] == ["created"]
        events = (await admin.get("/v1/events")).text
        for text in (json.dumps(trail), events):
            assert created["client_secret"] not in text
            assert stored.secret_hash not in text

    @pytest.mark.parametrize(
        ("body", "pointer"),
        [
            ({"name": "x", "roles": ["admin"]}, "/roles/0"),
            ({"name": "x", "roles": ["reporter", "governance"]}, "/roles/1"),
            ({"name": "x", "roles": []}, "/roles"),
            ({"name": "   ", "roles": ["viewer"]}, "/name"),
            ({"name": "x" * 201, "roles": ["viewer"]}, "/name"),
            (
                {"name": "x", "roles": ["viewer"], "expires_at": "2030-01-01T00:00:00"},
                "/expires_at",
            ),
            ({"name": "x", "roles": ["viewer"], "client_secret": "mine"}, "/client_secret"),
        ],
    )
    async def test_bad_input_is_a_422_naming_it_and_nothing_is_stored(
        self, admin: httpx.AsyncClient, body: dict[str, Any], pointer: str
    ) -> None:
        problem = assert_problem(await admin.post("/v1/clients", json=body), 422)
        assert [error["pointer"] for error in problem["errors"]] == [pointer]
        assert "governance" not in json.dumps(problem)  # nothing echoed back
        assert (await admin.get("/v1/clients")).json()["items"] == []

    async def test_an_expiry_in_the_past_is_refused(self, admin: httpx.AsyncClient) -> None:
        past = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat()
        response = await admin.post(
            "/v1/clients", json={"name": "x", "roles": ["viewer"], "expires_at": past}
        )
        assert_problem(response, 422, "oauth-client-expiry-in-past")
        assert (await admin.get("/v1/clients")).json()["items"] == []

    @pytest.mark.parametrize("role", ["reporter", "governance", "service", "viewer"])
    async def test_only_admins_manage_clients(
        self, admin: httpx.AsyncClient, app: FastAPI, tokens: TokenFactory, role: str
    ) -> None:
        created = await make_client(admin)
        async with api_client(app, token=tokens(role)) as api:
            for method, path in [
                ("POST", "/v1/clients"),
                ("GET", "/v1/clients"),
                ("GET", f"/v1/clients/{created['id']}"),
                ("POST", f"/v1/clients/{created['id']}/rotate-secret"),
                ("POST", f"/v1/clients/{created['id']}/revoke"),
            ]:
                body = {"name": "x", "roles": ["viewer"]} if path == "/v1/clients" else None
                assert_problem(await api.request(method, path, json=body), 403)
        async with api_client(app) as api:
            assert_problem(await api.get("/v1/clients"), 401)

    async def test_an_unknown_client_is_a_404(self, admin: httpx.AsyncClient) -> None:
        missing = "0190d4e8-0000-7000-8000-000000000000"
        assert_problem(await admin.get(f"/v1/clients/{missing}"), 404, "oauth-client-not-found")
        response = await admin.post(f"/v1/clients/{missing}/revoke")
        assert_problem(response, 404, "oauth-client-not-found")


class TestTokenEndpoint:
    async def test_a_token_with_body_credentials_and_with_basic(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        created = await make_client(admin, roles=["reporter", "viewer"])
        for get in (token_with_body, token_with_basic):
            response = await get(anonymous, created["client_id"], created["client_secret"])
            assert response.status_code == 200, response.text
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["pragma"] == "no-cache"
            body = response.json()
            assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
            assert body["token_type"] == "Bearer"
            assert body["expires_in"] == 600
            assert body["scope"] == "reporter viewer"

            header = jwt.get_unverified_header(body["access_token"])
            keyset = await jwks(anonymous)
            assert header["alg"] == "ES256"
            assert header["kid"] == keyset["keys"][0]["kid"]
            key = jwt.PyJWK(keyset["keys"][0])
            claims = jwt.decode(
                body["access_token"], key, algorithms=["ES256"], audience=DEV_AUDIENCE
            )
            assert claims["iss"] == INTEGRATIONS_ISSUER
            assert claims["sub"] == created["client_id"]
            assert claims["roles"] == ["reporter", "viewer"]
            assert claims["exp"] - claims["iat"] == 600
            assert claims["nbf"] == claims["iat"]
            assert claims["jti"]

    async def test_the_token_is_trusted_by_a_service_in_its_default_configuration(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        created = await make_client(admin, roles=["reporter", "service"])
        response = await token_with_basic(
            anonymous, created["client_id"], created["client_secret"], scope="reporter"
        )
        assert response.json()["scope"] == "reporter"
        principal = await platform_authenticator(await jwks(anonymous)).verify(
            response.json()["access_token"]
        )
        assert principal.subject == created["client_id"]
        assert principal.roles == frozenset({"reporter"})

    async def test_this_service_verifies_its_own_tokens_with_its_own_key(
        self, app: FastAPI, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        created = await make_client(admin, roles=["viewer"])
        token = (await token_with_body(anonymous, created["id"], created["client_secret"])).json()
        async with api_client(app, token=token["access_token"]) as job:
            assert_problem(await job.get("/v1/clients"), 403)  # verified (not 401), no admin

    async def test_a_token_for_another_audience_is_refused_by_services(
        self, app: FastAPI, anonymous: httpx.AsyncClient
    ) -> None:
        settings: Settings = app.state.settings
        elsewhere = settings.model_copy(update={"oauth_audience": "someone-else"})
        token = keys.issue_access_token(
            elsewhere,
            client_id=uuid.uuid4(),
            roles=["reporter"],
            now=int(dt.datetime.now(dt.UTC).timestamp()),
        )
        with pytest.raises(Unauthorized, match="could not be verified"):
            await platform_authenticator(await jwks(anonymous)).verify(token)

    async def test_last_used_at_is_kept(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        created = await make_client(admin)
        before = dt.datetime.now(dt.UTC)
        assert (
            await token_with_body(anonymous, created["id"], created["client_secret"])
        ).is_success
        read = (await admin.get(f"/v1/clients/{created['id']}")).json()
        used = dt.datetime.fromisoformat(read["last_used_at"])
        assert before - dt.timedelta(seconds=1) <= used <= dt.datetime.now(dt.UTC)
        assert (
            await token_with_body(anonymous, created["id"], created["client_secret"])
        ).is_success
        again = (await admin.get(f"/v1/clients/{created['id']}")).json()
        assert dt.datetime.fromisoformat(again["last_used_at"]) >= used
        assert again["version"] == read["version"]  # using a client is not a change to it

    async def test_scope_must_be_a_subset_of_the_clients_roles(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        created = await make_client(admin, roles=["viewer"])
        for scope in ("admin", "viewer reporter", "  ", "viewer"):
            response = await token_with_body(
                anonymous, created["id"], created["client_secret"], scope=scope
            )
            if scope != "viewer":
                assert_token_error(response, 400, "invalid_scope")
        # An empty parameter counts as omitted (RFC 6749 §3.1): all the client's roles.
        response = await token_with_body(
            anonymous, created["id"], created["client_secret"], scope=""
        )
        assert response.json()["scope"] == "viewer"

    async def test_a_role_never_grantable_is_never_granted(
        self, app: FastAPI, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        """Even a row given `admin` by hand (the API refuses it) yields no admin token."""
        created = await make_client(admin, roles=["viewer"])
        async with app.state.database.sessionmaker() as session:
            stored = await session.get(OAuthClient, uuid.UUID(created["id"]))
            assert stored is not None
            stored.roles = ["admin", "viewer"]
            await session.commit()
        granted = await token_with_body(anonymous, created["id"], created["client_secret"])
        assert granted.json()["scope"] == "viewer"
        refused = await token_with_body(
            anonymous, created["id"], created["client_secret"], scope="admin"
        )
        assert_token_error(refused, 400, "invalid_scope")
        async with app.state.database.sessionmaker() as session:
            stored = await session.get(OAuthClient, uuid.UUID(created["id"]))
            assert stored is not None
            stored.roles = ["admin"]
            await session.commit()
        none = await token_with_body(anonymous, created["id"], created["client_secret"])
        assert_token_error(none, 400, "unauthorized_client")

    async def test_wrong_or_unknown_credentials_are_invalid_client_and_audited(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        created = await make_client(admin)
        wrong = await token_with_body(anonymous, created["id"], "cmdi_cs_guess")
        body = assert_token_error(wrong, 400, "invalid_client")
        assert "guess" not in wrong.text
        unknown = await token_with_basic(
            anonymous, "0190d4e8-0000-7000-8000-000000000000", created["client_secret"]
        )
        assert_token_error(unknown, 401, "invalid_client")
        assert unknown.headers["www-authenticate"].startswith("Basic ")
        not_an_id = await token_with_basic(anonymous, "x" * 500, "y")
        assert_token_error(not_an_id, 401, "invalid_client")
        assert "xxx" not in not_an_id.text
        assert body["error_description"] == unknown.json()["error_description"]

        trail = (await admin.get("/v1/audit", params={"action": "token_refused"})).json()
        reasons = {(e["entity_id"], e["changes"]["reason"]) for e in trail["items"]}
        assert reasons == {(created["id"], "wrong_secret"), ("unknown", "unknown_client")}
        assert created["client_secret"] not in json.dumps(trail)

    async def test_revoked_client_gets_no_new_token(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
    ) -> None:
        created = await make_client(admin)
        issued = await token_with_body(anonymous, created["id"], created["client_secret"])
        revoked = await admin.post(f"/v1/clients/{created['id']}/revoke")
        assert revoked.status_code == 200
        assert revoked.json()["status"] == "revoked"
        again = await admin.post(f"/v1/clients/{created['id']}/revoke")
        assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
        refused = await token_with_basic(anonymous, created["id"], created["client_secret"])
        body = assert_token_error(refused, 401, "invalid_client")
        assert "revoked" in body["error_description"]
        assert_problem(
            await admin.post(f"/v1/clients/{created['id']}/rotate-secret"),
            409,
            "oauth-client-revoked",
        )
        # The token issued before lives until it expires (documented): services verify offline.
        principal = await platform_authenticator(await jwks(anonymous)).verify(
            issued.json()["access_token"]
        )
        assert principal.subject == created["id"]
        actions = [
            e["action"]
            for e in (await admin.get("/v1/audit", params={"entity_id": created["id"]})).json()[
                "items"
            ]
        ]
        assert sorted(actions) == ["created", "revoked", "token_refused"]

    async def test_an_expired_client_gets_no_token(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        soon = (clock.now() + dt.timedelta(hours=1)).isoformat()
        created = await make_client(admin, expires_at=soon)
        assert (
            await token_with_body(anonymous, created["id"], created["client_secret"])
        ).is_success
        clock.advance(hours=2)
        refused = await token_with_body(anonymous, created["id"], created["client_secret"])
        assert "expired" in assert_token_error(refused, 400, "invalid_client")["error_description"]
        assert (await admin.get(f"/v1/clients/{created['id']}")).json()["status"] == "expired"

    async def test_rotation_keeps_the_old_secret_for_the_overlap(
        self, admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        created = await make_client(admin)
        rotated = await admin.post(f"/v1/clients/{created['id']}/rotate-secret")
        assert rotated.status_code == 200
        new = rotated.json()
        assert new["client_secret"] != created["client_secret"]
        overlap_end = dt.datetime.fromisoformat(new["previous_secret_expires_at"])
        assert overlap_end - clock.now() == pytest.approx(
            dt.timedelta(hours=24), abs=dt.timedelta(seconds=5)
        )
        for secret in (created["client_secret"], new["client_secret"]):
            assert (await token_with_basic(anonymous, created["id"], secret)).is_success
        clock.advance(hours=24, seconds=1)
        old = await token_with_basic(anonymous, created["id"], created["client_secret"])
        assert_token_error(old, 401, "invalid_client")
        assert (await token_with_basic(anonymous, created["id"], new["client_secret"])).is_success
        # A second rotation ends the first overlap: only the latest two secrets ever work.
        newest = (await admin.post(f"/v1/clients/{created['id']}/rotate-secret")).json()
        assert (await token_with_body(anonymous, created["id"], new["client_secret"])).is_success
        assert (await token_with_body(anonymous, created["id"], newest["client_secret"])).is_success
        old = await token_with_body(anonymous, created["id"], created["client_secret"])
        assert_token_error(old, 400, "invalid_client")
        trail = (await admin.get("/v1/audit", params={"entity_id": created["id"]})).json()
        assert [e["action"] for e in trail["items"]].count("secret_rotated") == 2

    @pytest.mark.parametrize(
        ("headers", "content", "status", "error"),
        [
            (
                {"Content-Type": "application/json"},
                b'{"grant_type":"client_credentials"}',
                400,
                "invalid_request",
            ),
            (FORM, b"client_id=a&client_secret=b", 400, "invalid_request"),
            (
                FORM,
                b"grant_type=password&client_id=a&client_secret=b",
                400,
                "unsupported_grant_type",
            ),
            (
                FORM,
                b"grant_type=client_credentials&grant_type=client_credentials&client_id=a&client_secret=b",
                400,
                "invalid_request",
            ),
            (FORM, b"grant_type=client_credentials", 401, "invalid_client"),
            (
                FORM,
                b"grant_type=client_credentials&client_id=%ff&client_secret=b",
                400,
                "invalid_request",
            ),
            (
                FORM,
                b"grant_type=client_credentials&client_id=\xff&client_secret=b",
                400,
                "invalid_request",
            ),
            (
                {**FORM, "Authorization": "Basic !!notbase64!!"},
                b"grant_type=client_credentials",
                401,
                "invalid_client",
            ),
            (
                {**FORM, "Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
                b"grant_type=client_credentials",
                401,
                "invalid_client",
            ),
            (
                {**FORM, "Authorization": "Basic " + base64.b64encode(b"\xff\xfe:x").decode()},
                b"grant_type=client_credentials",
                401,
                "invalid_client",
            ),
            (
                {**FORM, "Authorization": "Basic"},
                b"grant_type=client_credentials",
                401,
                "invalid_client",
            ),
            (
                {**FORM, "Authorization": "Bearer abc"},
                b"grant_type=client_credentials",
                401,
                "invalid_client",
            ),
            (
                {**FORM, "Authorization": "Basic " + base64.b64encode(b"a:b").decode()},
                b"grant_type=client_credentials&client_secret=b",
                400,
                "invalid_request",
            ),
            (
                {**FORM, "Authorization": "Basic " + base64.b64encode(b"a:b").decode()},
                b"grant_type=client_credentials&client_id=c",
                400,
                "invalid_request",
            ),
        ],
    )
    async def test_bad_requests_get_the_rfc_error_and_nothing_echoed(
        self,
        anonymous: httpx.AsyncClient,
        headers: dict[str, str],
        content: bytes,
        status: int,
        error: str,
    ) -> None:
        response = await anonymous.post("/v1/oauth/token", content=content, headers=headers)
        assert_token_error(response, status, error)
        if status == 401:
            assert response.headers["www-authenticate"].startswith('Basic realm="cmdi"')
        for echoed in ("notbase64", "no-colon", "password", "abc"):
            assert echoed not in response.text

    async def test_the_form_is_size_limited(self, anonymous: httpx.AsyncClient) -> None:
        response = await anonymous.post(
            "/v1/oauth/token", content=b"a=" + b"x" * 2_000_000, headers=FORM
        )
        assert_problem(response, 413)


class TestPublicDocuments:
    async def test_jwks_and_metadata_need_no_token(
        self, anonymous: httpx.AsyncClient, app: FastAPI
    ) -> None:
        keyset = await jwks(anonymous)
        [key] = keyset["keys"]
        assert set(key) == {"kty", "crv", "x", "y", "kid", "use", "alg"}  # no private `d`
        assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
        assert key["kid"] == keys.signing_key(app.state.settings).kid

        response = await anonymous.get("/v1/oauth/.well-known/oauth-authorization-server")
        assert response.status_code == 200
        metadata = response.json()
        assert metadata["issuer"] == INTEGRATIONS_ISSUER
        assert metadata["token_endpoint"] == "http://127.0.0.1:8000/api/v1/oauth/token"
        assert metadata["jwks_uri"] == "http://127.0.0.1:8000/api/v1/oauth/jwks.json"
        assert metadata["grant_types_supported"] == ["client_credentials"]
        assert metadata["token_endpoint_auth_methods_supported"] == [
            "client_secret_basic",
            "client_secret_post",
        ]


class TestSigningKey:
    def test_a_configured_pem_is_used_and_a_file_key_is_made_once(self, tmp_path: Any) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        private = ec.generate_private_key(ec.SECP256R1())
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        configured = keys.signing_key(Settings(oauth_signing_key=pem))
        assert configured.private.private_numbers() == private.private_numbers()

        path = tmp_path / "var" / "key.pem"
        first = keys._file_key(path)
        assert path.stat().st_mode & 0o777 == 0o600
        assert keys._file_key(path).kid == first.kid  # read back, not regenerated

    def test_production_needs_a_configured_key(self) -> None:
        with pytest.raises(ValueError, match="oauth_signing_key"):
            Settings(environment="production", jwks_url="https://idp.example/jwks")


class TestOpenAPI:
    def test_the_token_endpoint_is_documented_as_the_rfc_describes_it(self, app: FastAPI) -> None:
        paths = app.openapi()["paths"]
        token = paths["/v1/oauth/token"]["post"]
        assert token["security"] == []
        assert list(token["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
        for status in ("400", "401"):
            assert list(token["responses"][status]["content"]) == ["application/json"]
        assert "415" not in token["responses"]
        assert paths["/v1/oauth/jwks.json"]["get"]["security"] == []
        assert paths["/v1/clients"]["post"]["security"] == [{"bearerAuth": []}]
