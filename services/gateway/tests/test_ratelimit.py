"""Rate limits at the gateway (#13): per client (token subject, else address) and route group,
the IETF `RateLimit-Policy` / `RateLimit` fields on every limited response, a 429 problem with
`Retry-After` past the limit, never on health, readiness or metrics; counted in memory, and in
the real Redis at 127.0.0.1:6379 (shared by two gateways), each test under its own key prefix."""

from __future__ import annotations

import re
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pydantic
import pytest

from gateway.main import create_app as gateway_app
from gateway.ratelimit import RateLimiter
from gateway.settings import Settings
from shared.testing import TokenFactory, assert_problem, bound_socket, dead_url, serving

from .conftest import EchoUpstream, gateway_settings

REDIS = "redis://127.0.0.1:6379/0"
LIMITS = {"default": "5/minute", "events": "2/minute"}
STATE = re.compile(r'^"(?P<name>[a-z]+)";r=(?P<r>\d+);t=(?P<t>\d+)$')


@asynccontextmanager
async def limited_gateway(
    echo_url: str, **overrides: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, RateLimiter]]:
    urls = dict.fromkeys(("projects", "assessment", "stakeholders", "reporting"), echo_url)
    overrides.setdefault("rate_limits", LIMITS)
    app = gateway_app(gateway_settings(urls, **overrides))
    async with (
        serving(app, bound_socket()) as url,
        httpx.AsyncClient(base_url=url, timeout=5.0) as client,
    ):
        yield client, app.state.rate_limiter


def state(response: httpx.Response) -> dict[str, Any]:
    match = STATE.match(response.headers["ratelimit"])
    assert match, response.headers["ratelimit"]
    return {"name": match["name"], "r": int(match["r"]), "t": int(match["t"])}


async def test_each_subject_has_its_own_limit_and_the_fields_say_where_it_stands(
    echo: tuple[EchoUpstream, str], tokens: TokenFactory
) -> None:
    async with limited_gateway(echo[1]) as (gateway, _):
        alice, bob = tokens.headers("viewer", sub="alice"), tokens.headers("viewer", sub="bob")
        remaining = []
        for _ in range(5):
            response = await gateway.get("/api/v1/projects/x", headers=alice)
            assert response.status_code == 200
            assert response.headers["ratelimit-policy"] == '"default";q=5;w=60'
            remaining.append(state(response)["r"])
            assert 0 < state(response)["t"] <= 60
        assert remaining == [4, 3, 2, 1, 0]

        over = await gateway.get("/api/v1/projects/x", headers=alice)
        body = assert_problem(over, 429, "too-many-requests")
        assert "retry in" in body["detail"]
        assert 1 <= int(over.headers["retry-after"]) <= 60
        assert over.headers["ratelimit-policy"] == '"default";q=5;w=60'
        assert state(over)["r"] == 0

        # Another subject, and another signature of the same subject, count on their own.
        assert (await gateway.get("/api/v1/projects/x", headers=bob)).status_code == 200
        # A new token for alice is still alice.
        again = tokens.headers("admin", sub="alice")
        assert_problem(await gateway.get("/api/v1/projects/x", headers=again), 429)


async def test_without_a_verified_token_the_address_counts(
    echo: tuple[EchoUpstream, str], tokens: TokenFactory
) -> None:
    async with limited_gateway(echo[1]) as (gateway, _):
        forged = [
            {"Authorization": "Bearer " + tokens("admin", sub=f"fresh-{i}")[:-4] + "AAAA"}
            for i in range(3)
        ]
        statuses = [
            (await gateway.get("/api/v1/projects/x", headers=headers)).status_code
            for headers in [{}, *forged, {"Authorization": "Basic eDp5"}]
        ]
        assert statuses == [200] * 5  # the upstream answers (each service checks the token)
        assert_problem(await gateway.get("/api/v1/projects/x"), 429)
        # A real subject is not held back by its address's count.
        ok = await gateway.get("/api/v1/projects/x", headers=tokens.headers("viewer", sub="c"))
        assert ok.status_code == 200


async def test_route_groups_count_apart_and_health_is_never_limited(
    echo: tuple[EchoUpstream, str], tokens: TokenFactory
) -> None:
    async with limited_gateway(echo[1]) as (gateway, _):
        headers = tokens.headers("service", sub="poller")
        for _ in range(2):
            response = await gateway.get("/api/v1/events", headers=headers)
            assert response.headers["ratelimit-policy"] == '"events";q=2;w=60'
        assert_problem(await gateway.get("/api/v1/events", headers=headers), 429)
        # The default group still has all of its budget.
        other = await gateway.get("/api/v1/projects/x", headers=headers)
        assert other.status_code == 200
        assert state(other) == {"name": "default", "r": 4, "t": state(other)["t"]}
        for path in ("/healthz", "/readyz", "/metrics"):
            for _ in range(8):
                response = await gateway.get(path)
                assert response.status_code in (200, 503)
                assert "ratelimit" not in response.headers
                assert "ratelimit-policy" not in response.headers


async def test_defaults_leave_room_for_the_suites(
    echo: tuple[EchoUpstream, str], tokens: TokenFactory
) -> None:
    settings = Settings()
    assert set(settings.rate_limits) == {"default", "exports", "oauth"}
    async with limited_gateway(echo[1], rate_limits=settings.rate_limits) as (gateway, _):
        response = await gateway.get("/api/v1/projects/x", headers=tokens.headers("viewer"))
        assert response.headers["ratelimit-policy"] == '"default";q=20000;w=60'
        exports = await gateway.get("/api/v1/exports/x", headers=tokens.headers("viewer"))
        assert exports.headers["ratelimit-policy"] == '"exports";q=3000;w=60'


@pytest.mark.parametrize(
    "overrides",
    [
        {"rate_limits": {"default": "lots"}},
        {"rate_limits": {"exports": "5/minute"}},  # no default
        {"rate_limits": {"default": "5/minute;10/hour"}},  # one limit per group
        {"rate_limit_storage": "memcached://127.0.0.1:11211"},
    ],
)
def test_bad_settings_are_refused_at_start(overrides: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        Settings(**overrides)


# --- Redis ----------------------------------------------------------------------------------


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    if not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"cmdi-test-{uuid.uuid4().hex}"
    cleanup = RateLimiter(
        gateway_settings({}, rate_limit_storage=REDIS, rate_limit_key_prefix=prefix),
        authenticator=None,  # type: ignore[arg-type]  # only the storage is used
    )
    try:
        yield prefix
    finally:
        await cleanup.storage.reset()  # deletes this prefix's keys only


async def test_gateways_sharing_redis_share_the_count(
    echo: tuple[EchoUpstream, str], tokens: TokenFactory, redis_prefix: str
) -> None:
    config = {"rate_limit_storage": REDIS, "rate_limit_key_prefix": redis_prefix}
    headers = tokens.headers("viewer", sub="shared")
    async with (
        limited_gateway(echo[1], **config) as (first, limiter),
        limited_gateway(echo[1], **config) as (second, _),
    ):
        seen = []
        for gateway in (first, second, first, second, first):
            response = await gateway.get("/api/v1/projects/x", headers=headers)
            assert response.status_code == 200
            seen.append(state(response)["r"])
        assert seen == [4, 3, 2, 1, 0]
        over = await second.get("/api/v1/projects/x", headers=headers)
        assert_problem(over, 429)
        assert 1 <= int(over.headers["retry-after"]) <= 60
        redis = limiter.storage.bridge.storage  # type: ignore[attr-defined]
        keys = {key.decode() for key in await redis.keys(f"{redis_prefix}*")}
        assert len(keys) == 1 and keys.pop().startswith(redis_prefix + ":")


async def test_a_dead_storage_lets_requests_through(
    echo: tuple[EchoUpstream, str], tokens: TokenFactory
) -> None:
    dead = dead_url().replace("http://", "redis://") + "/0"
    async with limited_gateway(echo[1], rate_limit_storage=dead) as (gateway, _):
        for _ in range(7):
            response = await gateway.get("/api/v1/projects/x", headers=tokens.headers("viewer"))
            assert response.status_code == 200
            assert "ratelimit" not in response.headers
