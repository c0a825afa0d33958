"""Service tokens by the client-credentials flow (shared.service_tokens), against a real token
endpoint: the integrations service's `POST /v1/oauth/token` served over HTTP (its tokens living
60 s), with a machine client of role `service` created through its API. A token is fetched once
and reused, renewed before expiry, fetched once for 20 concurrent callers; a still-valid token
outlives a failed renewal; a wrong secret is a clear 503 problem with the secret in no log line
or error; and a projects service trusting the integrations issuer accepts the token through
`make_clients`. Also the settings' rules. On SQLite, or PostgreSQL with
CMDI_TEST_DATABASE=postgresql."""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
import secrets
import time
import traceback
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr, ValidationError

import integrations_service.main
import projects_service.main
import shared.testing
from integrations_service.settings import Settings as IntegrationsSettings
from projects_service.settings import Settings as ProjectsSettings
from shared.app import make_clients
from shared.auth import service_token
from shared.http import ServiceClient
from shared.logging import configure_logging
from shared.service_tokens import ServiceTokenSource, ServiceTokenUnavailable
from shared.settings import (
    DEV_AUDIENCE,
    INTEGRATIONS_ISSUER,
    INTEGRATIONS_JWKS_PATH,
    BaseProcessSettings,
    TrustedIssuer,
)
from shared.testing import TokenFactory, serving

TOKEN_TTL = 60  # the integrations service's shortest token lifetime
# Sources under test renew this long after a fetch (the margin: TOKEN_TTL - RENEW_AFTER).
RENEW_AFTER = 1.5


class CountingApp:
    """The app behind a counter of token requests (what the token endpoint really received)."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.token_requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/v1/oauth/token":
            self.token_requests += 1
        await self.app(scope, receive, send)


@dataclass
class Issuer:
    url: str
    app: FastAPI
    counter: CountingApp

    @property
    def token_url(self) -> str:
        return f"{self.url}/v1/oauth/token"


@dataclass
class MachineClient:
    id: str
    client_id: str
    secret: str


@pytest.fixture(scope="module")
async def issuer() -> AsyncIterator[Issuer]:
    """The integrations service over HTTP, on a migrated database, its tokens living 60 s."""
    async with shared.testing.service_app(
        service="integrations",
        alembic_ini=integrations_service.main.ALEMBIC_INI,
        create_app=integrations_service.main.create_app,
        settings_factory=functools.partial(
            IntegrationsSettings,
            consumer_enabled=False,
            webhook_worker_enabled=False,
            oauth_token_ttl_seconds=TOKEN_TTL,
            oauth_signing_key_file=None,
        ),
    ) as app:
        counter = CountingApp(app)
        async with serving(counter) as url:
            yield Issuer(url, app, counter)


@pytest.fixture
async def machine_client(issuer: Issuer, tokens: TokenFactory) -> MachineClient:
    """A machine client of role `service`, registered through the admin API."""
    async with httpx.AsyncClient(base_url=issuer.url, headers=tokens.headers("admin")) as admin:
        response = await admin.post(
            "/v1/clients", json={"name": "projects consumer", "roles": ["service"]}
        )
    assert response.status_code == 201, response.text
    body = response.json()
    return MachineClient(body["id"], body["client_id"], body["client_secret"])


def source_for(issuer: Issuer, client: MachineClient, **options: Any) -> ServiceTokenSource:
    return ServiceTokenSource(
        issuer.token_url,
        client_id=client.client_id,
        client_secret=SecretStr(client.secret),
        **options,
    )


async def test_a_token_is_fetched_once_and_reused(
    issuer: Issuer, machine_client: MachineClient
) -> None:
    source = source_for(issuer, machine_client)
    before = issuer.counter.token_requests
    first = await source.token()
    again = [await source.token() for _ in range(5)]
    assert again == [first] * 5
    assert issuer.counter.token_requests - before == 1
    assert source.fetches == 1
    # The default margin: 10 % of the 60 s lifetime, so renewed 54 s after the fetch.
    assert 50.0 < source.refresh_at - time.monotonic() <= 54.0


async def test_a_token_is_fetched_again_when_its_margin_is_reached(
    issuer: Issuer, machine_client: MachineClient
) -> None:
    source = source_for(issuer, machine_client, refresh_margin=TOKEN_TTL - RENEW_AFTER)
    before = issuer.counter.token_requests
    first = await source.token()
    assert await source.token() == first  # before RENEW_AFTER: the cached one
    await asyncio.sleep(RENEW_AFTER + 0.1)
    second = await source.token()
    assert second != first  # ES256 signatures differ even in the same second
    assert await source.token() == second
    assert issuer.counter.token_requests - before == 2


async def test_twenty_concurrent_callers_cause_one_fetch(
    issuer: Issuer, machine_client: MachineClient
) -> None:
    source = source_for(issuer, machine_client)
    before = issuer.counter.token_requests
    got = await asyncio.gather(*(source.token() for _ in range(20)))
    assert len(set(got)) == 1
    assert issuer.counter.token_requests - before == 1
    assert source.fetches == 1


async def test_twenty_callers_share_one_failed_fetch(
    issuer: Issuer, machine_client: MachineClient
) -> None:
    source = ServiceTokenSource(
        issuer.token_url, client_id=machine_client.client_id, client_secret=SecretStr("wrong")
    )
    before = issuer.counter.token_requests
    outcomes = await asyncio.gather(*(source.token() for _ in range(20)), return_exceptions=True)
    assert all(isinstance(outcome, ServiceTokenUnavailable) for outcome in outcomes)
    assert issuer.counter.token_requests - before == 1
    # A caller arriving after the failure tries again.
    with pytest.raises(ServiceTokenUnavailable):
        await source.token()
    assert issuer.counter.token_requests - before == 2


async def test_a_failed_renewal_serves_the_still_valid_token(
    issuer: Issuer, machine_client: MachineClient, tokens: TokenFactory
) -> None:
    source = source_for(issuer, machine_client, refresh_margin=TOKEN_TTL - RENEW_AFTER)
    first = await source.token()
    async with httpx.AsyncClient(base_url=issuer.url, headers=tokens.headers("admin")) as admin:
        revoked = await admin.post(f"/v1/clients/{machine_client.id}/revoke")
    assert revoked.status_code == 200, revoked.text
    await asyncio.sleep(RENEW_AFTER + 0.1)
    before = issuer.counter.token_requests
    assert await source.token() == first  # refused now, but the token held lives 58 s more
    assert issuer.counter.token_requests - before == 1
    # A process without a token held has nothing to fall back on.
    with pytest.raises(ServiceTokenUnavailable, match="invalid_client"):
        await source_for(issuer, machine_client).token()


@pytest.fixture
def all_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """Every log line at DEBUG (ours, httpx's and httpcore's), captured; WARNING again after."""
    configure_logging(service="test", level="DEBUG", json=True)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield capsys
    configure_logging(service="test", level="WARNING", json=False)


async def test_a_wrong_secret_is_a_clear_503_and_the_secret_is_never_shown(
    issuer: Issuer,
    machine_client: MachineClient,
    all_logs: pytest.CaptureFixture[str],
) -> None:
    wrong = f"wrong-{secrets.token_urlsafe(16)}"
    source = ServiceTokenSource(
        issuer.token_url, client_id=machine_client.client_id, client_secret=SecretStr(wrong)
    )
    client = ServiceClient("projects", issuer.url, token_provider=source.token)
    try:
        with pytest.raises(ServiceTokenUnavailable) as caught:
            await client.get("/v1/events", as_service=True)
    finally:
        await client.aclose()
    error = caught.value
    assert error.status == 503 and error.headers == {"Retry-After": "5"}
    assert error.detail == (
        f"The token endpoint {issuer.token_url} (client {machine_client.client_id}) refused:"
        " HTTP 401 invalid_client: Client authentication failed."
    )
    # And the right secret, fetched successfully, is not logged either.
    assert await source_for(issuer, machine_client).token()
    basic = base64.b64encode(f"{quote_plus(machine_client.client_id)}:{quote_plus(wrong)}".encode())
    shown = "\n".join(
        [str(error), repr(error), *traceback.format_exception(error), *all_logs.readouterr()]
    )
    assert "service_token_unavailable" in shown and "service_token_fetched" in shown
    for secret in (wrong, machine_client.secret, basic.decode()):
        assert secret not in shown


async def test_an_unreachable_endpoint_is_a_503() -> None:
    sock = shared.testing.bound_socket()  # a port of 127.0.0.1 where, once closed, none listens
    url = shared.testing.url_of(sock)
    sock.close()
    source = ServiceTokenSource(
        f"{url}/v1/oauth/token", client_id="x", client_secret=SecretStr("y"), timeout=2.0
    )
    with pytest.raises(ServiceTokenUnavailable, match="could not be reached: ConnectError"):
        await source.token()


@pytest.fixture(scope="module")
async def trusting_projects(issuer: Issuer) -> AsyncIterator[str]:
    """A projects service over HTTP that trusts only the integrations issuer (its JWKS by URL)."""
    trusted = TrustedIssuer(
        issuer=INTEGRATIONS_ISSUER,
        jwks_url=issuer.url + INTEGRATIONS_JWKS_PATH,
        audience=DEV_AUDIENCE,
        algorithms=["ES256"],
    )
    async with (
        shared.testing.service_app(
            service="projects",
            alembic_ini=projects_service.main.ALEMBIC_INI,
            create_app=projects_service.main.create_app,
            settings_factory=functools.partial(
                ProjectsSettings, consumer_enabled=False, trusted_issuers=[trusted]
            ),
        ) as app,
        serving(app) as url,
    ):
        yield url


async def test_the_token_is_accepted_by_a_service_trusting_the_issuer(
    issuer: Issuer, machine_client: MachineClient, trusting_projects: str
) -> None:
    """The wiring as a service has it: settings naming the token endpoint, `make_clients`."""
    settings = BaseProcessSettings(
        service_urls={"projects": trusting_projects},
        service_token_url=issuer.token_url,
        service_client_id=machine_client.client_id,
        service_client_secret=SecretStr(machine_client.secret),
    )
    client = make_clients(settings, service="assessment", names=["projects"])["projects"]
    try:
        before = issuer.counter.token_requests
        for _ in range(3):
            response = await client.get("/v1/events", as_service=True)
            assert response.status_code == 200, response.text
            assert response.json()["items"] == []
        assert issuer.counter.token_requests - before == 1
        # Not any token gets in: without one, or with a development-signed one, 401.
        assert (await client.get("/v1/events")).status_code == 401
        dev = BaseProcessSettings(service_urls={"projects": trusting_projects})
        response = await client.get(
            "/v1/events",
            headers={"Authorization": f"Bearer {service_token(dev, service='assessment')}"},
        )
        assert response.status_code == 401
    finally:
        await client.aclose()


def test_the_settings_come_from_each_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROJECTS_SERVICE_TOKEN_URL", "https://login.example/tenant/token")
    monkeypatch.setenv("PROJECTS_SERVICE_CLIENT_ID", "projects-app")
    monkeypatch.setenv("PROJECTS_SERVICE_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("PROJECTS_SERVICE_TOKEN_SCOPE", "api://cmdi/.default")
    settings = ProjectsSettings()
    assert settings.service_token_url == "https://login.example/tenant/token"
    assert settings.service_client_id == "projects-app"
    assert settings.service_client_secret == SecretStr("s3cret")
    assert settings.service_token_scope == "api://cmdi/.default"
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"service_token_url": "https://idp/token"}, "go together"),
        ({"service_token_url": "https://idp/token", "service_client_id": "a"}, "go together"),
        ({"service_client_id": "a", "service_client_secret": "b"}, "go together"),
        ({"service_token_scope": "api://x/.default"}, "need service_token_url"),
        (
            {
                "service_token": "static",
                "service_token_url": "https://idp/token",
                "service_client_id": "a",
                "service_client_secret": "b",
            },
            "not both",
        ),
    ],
)
def test_the_settings_refuse_half_a_flow_or_both_kinds(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        BaseProcessSettings(**fields)


def test_production_without_either_still_starts() -> None:
    settings = BaseProcessSettings(environment="production", jwks_url="https://idp/jwks")
    assert settings.service_token is None and settings.service_token_url is None
