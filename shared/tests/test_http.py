"""ServiceClient: header propagation, retries only when safe, transport failures as problems."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from shared.context import authorization_var, request_id_var, traceparent_var
from shared.http import BadGateway, ServiceClient, UpstreamTimeout, UpstreamUnavailable

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def client_with(handler: Callable[[httpx.Request], httpx.Response]) -> ServiceClient:
    return ServiceClient(
        "projects",
        "http://projects",
        transport=httpx.MockTransport(handler),
        token_provider=lambda: "svc",
    )


async def test_forwards_request_context_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={}, headers={"Set-Cookie": "session=abc; Path=/"})

    client = client_with(handler)
    tokens = (
        request_id_var.set("rid-1"),
        traceparent_var.set(TRACEPARENT),
        authorization_var.set("Bearer user"),
    )
    try:
        await client.get("/v1/x")
        await client.get("/v1/x")
    finally:
        request_id_var.reset(tokens[0])
        traceparent_var.reset(tokens[1])
        authorization_var.reset(tokens[2])
    first = seen[0].headers
    assert first["x-request-id"] == "rid-1"
    assert first["traceparent"] == TRACEPARENT
    assert first["authorization"] == "Bearer user"
    assert "cookie" not in seen[1].headers  # the upstream's cookie was never kept
    await client.aclose()


async def test_its_own_token_only_when_asked() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(200)

    client = client_with(handler)
    await client.get("/v1/events")  # no caller, not as the service: no credentials at all
    await client.get("/v1/events", as_service=True)
    authorization = authorization_var.set("Bearer user")
    try:
        await client.get("/v1/events", as_service=True)
    finally:
        authorization_var.reset(authorization)
    assert seen == [None, "Bearer svc", "Bearer svc"]
    await client.aclose()


@pytest.mark.parametrize(("method", "expected_calls"), [("GET", 3), ("POST", 1)])
async def test_retries_only_idempotent_requests(method: str, expected_calls: int) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(503)

    client = client_with(handler)
    response = await client.request(method, "/v1/x")
    assert response.status_code == 503
    assert len(calls) == expected_calls
    await client.aclose()


async def test_post_with_idempotency_key_is_retried() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(502) if len(calls) < 2 else httpx.Response(201)

    client = client_with(handler)
    response = await client.request("POST", "/v1/x", json={}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 201 and len(calls) == 2
    await client.aclose()


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (httpx.ConnectError("refused"), UpstreamUnavailable),
        (httpx.ConnectTimeout("slow connect"), UpstreamUnavailable),
        (httpx.ReadTimeout("slow"), UpstreamTimeout),
        (httpx.RemoteProtocolError("cut"), BadGateway),
    ],
)
async def test_transport_failures_become_problems(
    error: Exception, problem: type[Exception]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    client = client_with(handler)
    with pytest.raises(problem):
        await client.get("/v1/x")
    await client.aclose()


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, {"id": 1}), (404, None), (500, UpstreamUnavailable), (400, BadGateway)],
)
async def test_fetch_json_maps_answers(status: int, outcome: object) -> None:
    client = client_with(lambda request: httpx.Response(status, json={"id": 1}))
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            await client.fetch_json("/v1/things/1")
    else:
        assert await client.fetch_json("/v1/things/1") == outcome
    await client.aclose()
