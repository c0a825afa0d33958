"""Keep-alive connections survive another request's failure: a 500 does not make the service
close the connection, and the gateway retries a request the service never received (a reused
connection closed under it) when a retry cannot act twice: safe methods and Idempotency-Key."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI

from gateway.main import create_app as gateway_app
from gateway.settings import Settings as GatewaySettings
from shared.app import add_outer_middleware, create_process_app
from shared.settings import BaseProcessSettings
from shared.testing import RawUpstream, TokenFactory, serving

TEST_SECONDS = 20.0


def failing_app() -> FastAPI:
    settings = BaseProcessSettings(log_json=False, log_level="CRITICAL")

    async def ready(_: Any) -> dict[str, str]:
        return {}

    app = create_process_app(
        name="failing", title="t", description="d", version="0", settings=settings, readiness=ready
    )
    router = APIRouter()

    @router.post("/v1/boom")
    async def boom() -> None:
        raise RuntimeError("a bug")

    app.include_router(router)
    add_outer_middleware(app, name="failing", settings=settings)
    return app


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes) -> int:
    writer.write(head)
    await writer.drain()
    status_line = await reader.readline()
    assert status_line, "the connection was closed instead of answered"
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def test_a_500_keeps_the_connection_open_for_the_next_request() -> None:
    # Errors logged as a service logs them (uvicorn's own "Exception in ASGI application").
    async with asyncio.timeout(TEST_SECONDS), serving(failing_app(), log_level="error") as url:
        reader, writer = await asyncio.open_connection("127.0.0.1", httpx.URL(url).port)
        try:
            boom = b"POST /v1/boom HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
            assert await _exchange(reader, writer, boom) == 500
            # uvicorn closes a connection once an exception escapes the app (after the 500 is
            # sent), and a pooled client then loses the next request it writes there.
            await asyncio.sleep(0.2)
            healthz = b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
            assert await _exchange(reader, writer, healthz) == 200
        finally:
            writer.close()


class ClosingUpstream(RawUpstream):
    """Answers the first request on each connection, then closes the connection when the next
    request arrives on it without reading it: what a service does to a keep-alive connection
    it is closing just as the gateway reuses it. Counts the requests it processed."""

    def __init__(self) -> None:
        super().__init__()
        self.processed: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await self._read_request(reader)
            if request is None:
                return
            self.processed.append(request)
            body = json.dumps({"id": len(self.processed)}).encode()
            status = b"201 Created" if request.startswith("POST") else b"200 OK"
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            await writer.drain()
            await reader.readline()  # the next request starts: close without answering
        finally:
            writer.close()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> str | None:
        line = await reader.readline()
        if not line:
            return None
        length = 0
        while (header := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        return " ".join(line.decode().split()[:2])


async def test_the_gateway_retries_a_request_the_service_never_received(
    tokens: TokenFactory,
) -> None:
    upstream = ClosingUpstream()
    async with asyncio.timeout(TEST_SECONDS), upstream.serving() as url:
        settings = GatewaySettings(
            service_urls={"projects": url, "assessment": url, "stakeholders": url},
            log_json=False,
            log_level="CRITICAL",
        )
        async with (
            serving(gateway_app(settings)) as gateway_url,
            httpx.AsyncClient(
                base_url=gateway_url,
                headers=tokens.headers("governance"),
                trust_env=False,
            ) as client,
        ):
            results = []
            for key in ("k-1", "k-2", "k-3"):
                # A GET opens (and leaves pooled) the connection the POST then reuses.
                assert (await client.get("/api/v1/projects")).status_code == 200
                created = await client.post(
                    "/api/v1/projects", json={"title": key}, headers={"Idempotency-Key": key}
                )
                results.append(created.status_code)
    assert results == [201, 201, 201]
    assert upstream.processed.count("POST /v1/projects") == 3
