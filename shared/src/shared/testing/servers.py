"""Apps served over real sockets inside the test's event loop, for the suites that need TCP (the
gateway's aiohttp proxy, keep-alive behaviour, the hostile corpus's platform):

    async with serving(app) as url:          # uvicorn on an ephemeral 127.0.0.1 port
        ...

Bind the socket first (`bound_socket()`) when its URL must be known before the server starts,
e.g. to wire services to each other; `dead_url()` is a port nothing listens on.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import uvicorn


def bound_socket() -> socket.socket:
    """A TCP socket bound to an ephemeral 127.0.0.1 port, not yet listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def dead_url() -> str:
    """A port nothing listens on (bound, then closed)."""
    sock = bound_socket()
    url = url_of(sock)
    sock.close()
    return url


class InLoopServer(uvicorn.Server):
    """uvicorn in the current loop; pytest keeps its signal handlers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(
    app: Any,
    sock: socket.socket | None = None,
    *,
    lifespan: Literal["on", "off"] = "on",
    log_level: str = "warning",
    start_seconds: float = 10.0,
) -> AsyncIterator[str]:
    """Serve `app` on `sock` (a new `bound_socket()` by default) until the block ends; yields
    its URL. `lifespan="off"` starts no consumers or jobs; `log_level="error"` logs an escaping
    exception as a service does."""
    sock = sock or bound_socket()
    config = uvicorn.Config(
        app,
        lifespan=lifespan,
        log_config=None,
        log_level=log_level,
        access_log=False,
        ws="none",
        proxy_headers=False,  # the test client is on 127.0.0.1, which uvicorn trusts by default
        timeout_graceful_shutdown=1,
    )
    server = InLoopServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    async with asyncio.timeout(start_seconds):
        while not server.started:
            if task.done():
                task.result()  # raises the startup error
                raise RuntimeError("server stopped during startup")
            await asyncio.sleep(0.01)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await task
        sock.close()


class RawUpstream:
    """A bare TCP server on an ephemeral 127.0.0.1 port, for an upstream no HTTP server would
    play (a hung one, a broken answer, a connection closed under a reused request): subclasses
    say what `handle` does with each connection. Connections still open are closed when it
    stops."""

    def __init__(self) -> None:
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        await self.handle(reader, writer)

    @contextlib.asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        """Listen until the block ends; yields the URL."""
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.close()
            for writer in self.writers:
                writer.close()
            await server.wait_closed()
