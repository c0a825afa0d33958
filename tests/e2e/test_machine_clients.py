"""End to end (#13): a machine client through the gateway, with the platform as `make run` starts
it (SQLite, or PostgreSQL with CMDI_TEST_DATABASE=postgresql). An admin registers a reporter
client; the job gets a token from `/api/v1/oauth/token` with HTTP Basic (and with body
credentials) and exports a dataset with it from the projects service, which trusts the
integrations issuer by default configuration; a token for another audience is refused by the
service; a revoked client gets no new token; wrong secrets are refused and then rate limited at
the gateway (the `oauth` route group)."""

from __future__ import annotations

import base64
import csv
import io
import json
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import quote_plus

import httpx
import jwt
import pytest

from scripts.processes import Stack
from scripts.replicas import PlatformFactory, ReplicaStack
from scripts.services import SERVICES
from shared.testing import (
    TokenFactory,
    assert_problem,
    project_body,
    test_database as migrated_database,  # (not collected as a test)
)

pytestmark = pytest.mark.e2e

OAUTH_LIMIT = 30  # per minute and address, for this module's gateway


@pytest.fixture(scope="module")
async def stack(platform_for: PlatformFactory) -> AsyncIterator[Stack | ReplicaStack]:
    """The conftest's stack, with a small `oauth` limit so a test can reach it."""
    limits = {"default": "20000/minute", "exports": "3000/minute", "oauth": f"{OAUTH_LIMIT}/minute"}
    env = {"GATEWAY_PROXY_READ_TIMEOUT": "5", "GATEWAY_RATE_LIMITS": json.dumps(limits)}
    async with AsyncExitStack() as exit_stack:
        urls = {
            service.name: await exit_stack.enter_async_context(
                migrated_database(f"e2e_oauth_{service.name}", service.alembic_ini)
            )
            for service in SERVICES
        }
        async with platform_for(urls, env, ready_timeout=60.0) as platform:
            yield platform


def gateway(stack: Stack, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=headers or {},
        timeout=httpx.Timeout(30.0, connect=2.0),
        trust_env=False,
    )


@pytest.fixture
async def admin(stack: Stack, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(stack, tokens.headers("admin", sub="e2e-oauth-admin")) as api:
        yield api


@pytest.fixture
async def anonymous(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(stack) as api:
        yield api


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


async def new_client(admin: httpx.AsyncClient, *roles: str) -> dict[str, Any]:
    response = await admin.post("/clients", json={"name": "e2e nightly", "roles": list(roles)})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_reporter_client_exports_a_dataset_with_its_token(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: Stack, tokens: TokenFactory
) -> None:
    async with gateway(stack, tokens.headers("governance", sub="e2e-oauth-gov")) as governance:
        project = await governance.post("/projects", json=project_body(title="E2E machine"))
        assert project.status_code == 201, project.text
    created = await new_client(admin, "reporter")

    # The two lines of the README: a token with HTTP Basic, then the export with it.
    response = await anonymous.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(created["client_id"], created["client_secret"]),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    token = response.json()["access_token"]
    async with gateway(stack, {"Authorization": f"Bearer {token}"}) as job:
        export = await job.get("/exports/projects", params={"format": "csv"})
        assert export.status_code == 200, export.text
        ids = {row["id"] for row in csv.DictReader(io.StringIO(export.text))}
        assert str(project.json()["id"]) in ids
        # A reporter's token is no admin's: the client routes stay closed to it.
        assert_problem(await job.get("/clients"), 403)

    # Body credentials work too, and the use is recorded.
    body = await anonymous.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
        },
    )
    assert body.status_code == 200, body.text
    read = (await admin.get(f"/clients/{created['id']}")).json()
    assert read["last_used_at"] is not None


async def test_the_public_documents_are_served_through_the_gateway(
    anonymous: httpx.AsyncClient,
) -> None:
    keyset = (await anonymous.get("/oauth/jwks.json")).json()
    assert [key["alg"] for key in keyset["keys"]] == ["ES256"]
    metadata = await anonymous.get("/oauth/.well-known/oauth-authorization-server")
    assert metadata.status_code == 200
    assert metadata.json()["grant_types_supported"] == ["client_credentials"]


async def test_a_token_for_another_audience_is_refused_by_the_services(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, stack: Stack
) -> None:
    """A token the integrations key signed but naming another audience (what a stolen token
    meant for a different API looks like) is refused by the projects service."""
    created = await new_client(admin, "reporter")
    response = await anonymous.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(created["client_id"], created["client_secret"]),
    )
    good = response.json()["access_token"]
    from integrations_service.oauth import keys
    from integrations_service.settings import Settings

    # The running service's key: the same file `make run` uses (var/), read here.
    signing = keys.signing_key(Settings())
    claims = jwt.decode(good, options={"verify_signature": False})
    assert jwt.get_unverified_header(good)["kid"] == signing.kid
    forged = jwt.encode(
        {**claims, "aud": "someone-else", "exp": int(time.time()) + 300},
        signing.private,
        algorithm="ES256",
        headers={"kid": signing.kid},
    )
    async with gateway(stack, {"Authorization": f"Bearer {forged}"}) as job:
        assert_problem(await job.get("/exports/projects", params={"format": "csv"}), 401)
        assert_problem(await job.get("/projects"), 401)


async def test_a_revoked_client_gets_no_new_token(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await new_client(admin, "viewer")
    assert (await admin.post(f"/clients/{created['id']}/revoke")).status_code == 200
    refused = await anonymous.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=basic(created["client_id"], created["client_secret"]),
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


async def test_wrong_secrets_are_refused_then_rate_limited(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await new_client(admin, "viewer")
    statuses = []
    for attempt in range(OAUTH_LIMIT + 5):
        response = await anonymous.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(created["client_id"], f"cmdi_cs_wrong-{attempt}"),
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert_problem(response, 429, "too-many-requests")
            assert int(response.headers["retry-after"]) > 0
            break
        assert response.json()["error"] == "invalid_client"
        assert response.headers["ratelimit-policy"].startswith('"oauth";q=')
    assert statuses[-1] == 429
    assert set(statuses[:-1]) == {401}
