"""Gateway tests run over real sockets: the three services (real apps, migrated databases), a
header-echoing upstream, a hung upstream and a dead port, all served by uvicorn inside the test
event loop on ephemeral 127.0.0.1 ports (`shared.testing.servers`), with gateways pointed at them.

Every test is bounded: each runs under `asyncio.timeout(TEST_SECONDS)`, and each HTTP client
has its own short timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import inspect
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from gateway.main import create_app as gateway_app
from gateway.settings import Settings as GatewaySettings
from shared.testing import RawUpstream, bound_socket, dead_url, serving, test_database, url_of

TEST_SECONDS = 40.0  # generous: CI machines are shared; a hang still ends
HERE = Path(__file__).resolve().parent
ALLOWED_ORIGIN = "https://app.example.org"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Bound every gateway test in time (no pytest-timeout here: asyncio does it)."""
    for item in items:
        function = getattr(item, "obj", None)
        if not item.path.is_relative_to(HERE) or not inspect.iscoroutinefunction(function):
            continue

        def bounded(test: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
            @functools.wraps(test)
            async def run(*args: Any, **kwargs: Any) -> None:
                async with asyncio.timeout(TEST_SECONDS):
                    await test(*args, **kwargs)

            return run

        item.obj = bounded(function)  # type: ignore[attr-defined]


# --- the upstreams -------------------------------------------------------------------------


class EchoUpstream:
    """A raw ASGI upstream that shows the gateway's request and sends hostile headers back."""

    STREAM_CHUNK = 65_536
    STREAM_CHUNKS = 64  # 4 MiB

    def __init__(self) -> None:
        self.release_stream = asyncio.Event()
        self.stream_abandoned = asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        path: str = scope["path"]
        if path == "/readyz":
            await self._json(send, 200, {"status": "ready", "checks": {}})
        elif path.endswith("/stream"):
            await self._stream(send)
        elif path.endswith("/sized"):
            await self._sized(send)
        elif path.endswith("/endless"):
            await self._endless(receive, send)
        else:
            await self._echo(scope, receive, send)

    async def _echo(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        payload = {
            "method": scope["method"],
            "path": scope["path"],
            "raw_path": scope["raw_path"].decode(),
            "query": scope["query_string"].decode(),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
            "body_length": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
        }
        await self._json(
            send,
            200,
            payload,
            extra=[
                (b"set-cookie", b"session=upstream-secret; Path=/; HttpOnly"),
                (b"connection", b"x-upstream-hop"),
                (b"x-upstream-hop", b"1"),
                (b"keep-alive", b"timeout=5"),
                (b"proxy-authenticate", b"Basic"),
                (b"location", b"/v1/projects/123"),
                (b"content-location", b"/v1/projects/123?view=full"),
                (
                    b"link",
                    b'</v1/projects?cursor=abc>; rel="next", '
                    b'<https://elsewhere.example/v1/x>; rel="other"',
                ),
                (b"etag", b'"v1"'),
            ],
        )

    async def _stream(self, send: Send) -> None:
        """Unsized; the second half waits until the test has seen the first bytes downstream."""
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/octet-stream")],
            }
        )
        half = self.STREAM_CHUNKS // 2
        for index in range(self.STREAM_CHUNKS):
            if index == half:
                await asyncio.wait_for(self.release_stream.wait(), 5)
            await send(
                {
                    "type": "http.response.body",
                    "body": _chunk(index, self.STREAM_CHUNK),
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b""})

    async def _sized(self, send: Send) -> None:
        body = b"".join(_chunk(i, self.STREAM_CHUNK) for i in range(16))
        headers = [
            (b"content-type", b"application/octet-stream"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for start in range(0, len(body), self.STREAM_CHUNK):
            await send(
                {
                    "type": "http.response.body",
                    "body": body[start : start + self.STREAM_CHUNK],
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b""})

    async def _endless(self, receive: Receive, send: Send) -> None:
        """Bounded (10 s) trickle; notes when the gateway hangs up on it."""
        disconnected = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            disconnected.set()

        watcher = asyncio.create_task(watch())
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        try:
            for _ in range(1000):
                if disconnected.is_set():
                    self.stream_abandoned.set()
                    return
                await send({"type": "http.response.body", "body": b"x" * 1024, "more_body": True})
                await asyncio.sleep(0.01)
            await send({"type": "http.response.body", "body": b""})
        finally:
            watcher.cancel()

    @staticmethod
    async def _json(
        send: Send, status: int, payload: Any, extra: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        body = json.dumps(payload).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send(
            {"type": "http.response.start", "status": status, "headers": headers + (extra or [])}
        )
        await send({"type": "http.response.body", "body": body})


def _chunk(index: int, size: int) -> bytes:
    return hashlib.sha256(str(index).encode()).digest() * (size // 32)


class BrokenUpstream(RawUpstream):
    """Answers with something that is not a whole HTTP response, chosen by the request path."""

    ANSWERS = {
        b"/v1/projects/garbage": b"THIS IS NOT HTTP\r\n\r\n",
        b"/v1/projects/short": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part of it",
        b"/v1/projects/cut": (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + b"%x\r\n" % 70_000
            + b"x" * 70_000
        ),
        b"/v1/projects/hangup": b"",
    }

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            request_line = await reader.readline()
            await reader.readuntil(b"\r\n\r\n")
            path = request_line.split(b" ")[1]
            writer.write(self.ANSWERS.get(path, b""))
            await writer.drain()
        writer.close()


class HungUpstream(RawUpstream):
    """Accepts connections, reads, never answers (a deadlocked or stopped service)."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while await reader.read(65_536):
                pass


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def services() -> AsyncIterator[dict[str, str]]:
    """The three real services on their own ports, each with its migrated database."""
    # Imported here, not at the top: the gateway's own rules and the echo tests keep running
    # while a service is mid-change and cannot even be imported.
    from assessment_service.main import ALEMBIC_INI as ASSESSMENT_INI, create_app as assessment_app
    from assessment_service.settings import Settings as AssessmentSettings
    from projects_service.main import ALEMBIC_INI as PROJECTS_INI, create_app as projects_app
    from projects_service.settings import Settings as ProjectsSettings
    from stakeholders_service.main import (
        ALEMBIC_INI as STAKEHOLDERS_INI,
        create_app as stakeholders_app,
    )
    from stakeholders_service.settings import Settings as StakeholdersSettings

    socks = {name: bound_socket() for name in ("projects", "assessment", "stakeholders")}
    urls = {name: url_of(sock) for name, sock in socks.items()}
    common: dict[str, Any] = {
        "log_json": False,
        "log_level": "WARNING",
        "consumer_enabled": False,
        "service_urls": urls,
    }
    async with AsyncExitStack() as stack:
        projects_db = await stack.enter_async_context(test_database("projects", PROJECTS_INI))
        assessment_db = await stack.enter_async_context(test_database("assessment", ASSESSMENT_INI))
        stakeholders_db = await stack.enter_async_context(
            test_database("stakeholders", STAKEHOLDERS_INI)
        )
        apps = {
            "projects": projects_app(ProjectsSettings(database_url=projects_db, **common)),
            "assessment": assessment_app(AssessmentSettings(database_url=assessment_db, **common)),
            "stakeholders": stakeholders_app(
                # Retention is a periodic job (it runs at startup): not wanted under these tests.
                StakeholdersSettings(
                    database_url=stakeholders_db, retention_enabled=False, **common
                )
            ),
        }
        for name, app in apps.items():
            await stack.enter_async_context(serving(app, socks[name]))
            stack.push_async_callback(app.state.database.dispose)
        yield urls


@pytest.fixture(scope="session")
async def echo() -> AsyncIterator[tuple[EchoUpstream, str]]:
    upstream = EchoUpstream()
    async with serving(upstream, bound_socket()) as url:
        yield upstream, url


@pytest.fixture(scope="session")
async def hung_url() -> AsyncIterator[str]:
    async with HungUpstream().serving() as url:
        yield url


@pytest.fixture(scope="session")
async def broken_gateway_url() -> AsyncIterator[str]:
    """Every service → an upstream that answers with broken HTTP."""
    async with BrokenUpstream().serving() as broken:
        app = gateway_app(
            gateway_settings(dict.fromkeys(("projects", "assessment", "stakeholders"), broken))
        )
        async with serving(app, bound_socket()) as url:
            yield url


def gateway_settings(service_urls: dict[str, str], **overrides: Any) -> GatewaySettings:
    # A service builds its OpenAPI document on first request (about 2 s for the larger ones, far
    # more on a loaded CI machine); the merge must not give up on it in tests.
    overrides.setdefault("openapi_timeout", 30.0)
    return GatewaySettings(
        service_urls=service_urls, log_json=False, log_level="WARNING", **overrides
    )


@pytest.fixture(scope="session")
async def gateway_url(services: dict[str, str]) -> AsyncIterator[str]:
    """The gateway in front of the three real services, with CORS for one origin."""
    app = gateway_app(gateway_settings(services, cors_origins=[ALLOWED_ORIGIN]))
    async with serving(app, bound_socket()) as url:
        yield url


@pytest.fixture(scope="session")
async def partial_gateway_url(services: dict[str, str]) -> AsyncIterator[str]:
    """Stakeholders is down (nothing listens on its port); the others are up."""
    urls = {**services, "stakeholders": dead_url()}
    app = gateway_app(gateway_settings(urls, aggregate_timeout=1.0))
    async with serving(app, bound_socket()) as url:
        yield url


@pytest.fixture(scope="session")
async def echo_gateway_url(echo: tuple[EchoUpstream, str], hung_url: str) -> AsyncIterator[str]:
    """projects and stakeholders → the echo upstream; assessment → the hung one (1 s timeout)."""
    urls = {"projects": echo[1], "stakeholders": echo[1], "assessment": hung_url}
    app = gateway_app(gateway_settings(urls, proxy_read_timeout=1.0, aggregate_timeout=0.5))
    async with serving(app, bound_socket()) as url:
        yield url


@pytest.fixture
async def gateway(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=5.0) as client:
        yield client


@pytest.fixture
async def partial_gateway(partial_gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=partial_gateway_url, timeout=5.0) as client:
        yield client


@pytest.fixture
async def echo_gateway(echo_gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=echo_gateway_url, timeout=5.0) as client:
        yield client
