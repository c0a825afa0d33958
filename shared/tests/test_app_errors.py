"""The process app: unexpected errors become 500 problems with a request id and no internals."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from shared.app import add_outer_middleware, create_process_app
from shared.settings import BaseProcessSettings


async def no_checks(_: object) -> dict[str, str]:
    return {}


def make_app() -> FastAPI:
    settings = BaseProcessSettings(log_json=False, max_body_bytes=100)
    app = create_process_app(
        name="probe",
        title="probe",
        description="",
        version="0",
        settings=settings,
        readiness=no_checks,
    )

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("secret connection string postgres://user:pw@db")

    @app.post("/echo")
    async def echo(body: dict[str, str]) -> dict[str, str]:
        return body

    add_outer_middleware(app, name="probe", settings=settings)
    return app


async def test_unhandled_error_is_a_problem_without_internals() -> None:
    transport = httpx.ASGITransport(app=make_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/boom", headers={"X-Request-ID": "trace-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "trace-500"
    body = response.json()
    assert body["request_id"] == "trace-500"
    assert "secret" not in response.text and "RuntimeError" not in response.text


async def test_body_limit_counts_streamed_bodies_too() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b'{"a": "' + b"x" * 20 + b'"}'

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app()), base_url="http://t"
    ) as client:
        response = await client.post(
            "/echo", content=chunks(), headers={"content-type": "application/json"}
        )
        small = await client.post("/echo", json={"a": "b"})
    assert response.status_code == 413
    assert small.status_code == 200 and small.json() == {"a": "b"}
