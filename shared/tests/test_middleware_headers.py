"""The response headers the shared middleware sets on raw ASGI messages (request id, nosniff,
no-store) and the access-log metrics it records per route, status and method."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from starlette.types import Receive, Scope, Send

from shared.context import authorization_var, request_id_var, traceparent_var
from shared.middleware import (
    AccessLogMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
seen: dict[str, Any] = {}


def _inner(headers: list[tuple[bytes, bytes]]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.update(
            request_id=request_id_var.get(),
            traceparent=traceparent_var.get(),
            authorization=authorization_var.get(),
        )
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def _client(headers: list[tuple[bytes, bytes]] | None = None) -> httpx.AsyncClient:
    app = RequestContextMiddleware(
        AccessLogMiddleware(SecurityHeadersMiddleware(_inner(headers or [])), service="mw-test")
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_a_valid_request_id_is_kept_and_the_context_is_set() -> None:
    async with _client() as client:
        response = await client.get(
            "/x",
            headers={
                "x-request-id": "abc-123",
                "traceparent": TRACEPARENT,
                "authorization": "Bearer t",
            },
        )
    assert response.headers["x-request-id"] == "abc-123"
    assert seen == {
        "request_id": "abc-123",
        "traceparent": TRACEPARENT,
        "authorization": "Bearer t",
    }
    assert request_id_var.get() is None  # reset after the request


@pytest.mark.parametrize("incoming", ["", "not valid!", "x" * 129])
async def test_a_missing_or_invalid_request_id_is_replaced(incoming: str) -> None:
    async with _client() as client:
        response = await client.get("/x", headers={"x-request-id": incoming, "traceparent": "bad"})
    assert response.headers["x-request-id"] not in ("", incoming)
    assert len(response.headers["x-request-id"]) == 36
    assert seen["traceparent"] is None
    assert seen["authorization"] is None


async def test_a_request_id_the_app_set_is_replaced_not_repeated() -> None:
    async with _client([(b"X-Request-ID", b"inner"), (b"content-type", b"text/plain")]) as client:
        response = await client.get("/x", headers={"x-request-id": "outer"})
    assert response.headers.get_list("x-request-id") == ["outer"]
    assert response.headers["content-type"] == "text/plain"


async def test_nosniff_always_and_no_store_only_when_authenticated() -> None:
    async with _client() as client:
        anonymous = await client.get("/x")
        authenticated = await client.get("/x", headers={"authorization": "Bearer t"})
    assert anonymous.headers["x-content-type-options"] == "nosniff"
    assert "cache-control" not in anonymous.headers
    assert authenticated.headers["cache-control"] == "no-store"


async def test_a_route_s_own_caching_is_kept() -> None:
    async with _client([(b"Cache-Control", b"private, max-age=60")]) as client:
        response = await client.get("/x", headers={"authorization": "Bearer t"})
    assert response.headers.get_list("cache-control") == ["private, max-age=60"]


async def test_every_request_is_counted_and_timed() -> None:
    labels = {"service": "mw-test", "method": "GET", "route": "unmatched", "status": "200"}
    before = REGISTRY.get_sample_value("http_requests_total", labels) or 0.0
    timed = {k: v for k, v in labels.items() if k != "status"}
    timed_before = REGISTRY.get_sample_value("http_request_duration_seconds_count", timed) or 0.0
    async with _client() as client:
        for _ in range(3):
            await client.get("/x")
        await client.post("/x")
    assert REGISTRY.get_sample_value("http_requests_total", labels) == before + 3
    assert REGISTRY.get_sample_value("http_request_duration_seconds_count", timed) == (
        timed_before + 3
    )
    posted = {**labels, "method": "POST"}
    assert (REGISTRY.get_sample_value("http_requests_total", posted) or 0.0) >= 1
