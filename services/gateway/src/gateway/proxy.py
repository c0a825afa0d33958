"""The proxy: `/api/v1/<collection>/...` → the owning service's `/v1/<collection>/...`.

Chosen by measurement: an aiohttp `ClientSession` per service, driven by a pure ASGI middleware.
On the 2-core development machine a bare relay cost ~0.13 ms of gateway CPU per request with
aiohttp's client and ~2 ms with httpx's (the issue measured httpx at 0.05x, httpx on aiohttp's
transport at 0.14x, aiohttp at 0.26x of a bare FastAPI app); the whole gateway, shared middleware
included, passes through at ~0.4x (bench/RESULTS.md). Responses are relayed as raw ASGI messages
rather than a `StreamingResponse`, which spawns a task group per request to watch for
disconnects; here that watch runs only for bodies large enough to be worth cancelling.

Exports: `/api/v1/exports/<dataset>` goes to the service that owns the dataset
(`routes_table.EXPORT_DATASETS`), streamed through like any unsized answer; every other path
under `/api/v1/exports` (the dictionary, the bundle, unknown names) to reporting.

Request bodies stream to the service (`data=` an async generator over ASGI `receive`) and
responses stream back: a sized response up to `proxy_buffer_bytes` is relayed in one message,
anything larger or unsized chunk by chunk as the service sends it. Failures before the response
starts become the shared 502/503/504 problems; after it starts, the connection is cut so the
caller sees a truncated body rather than a complete-looking wrong one. A 504 for a write says
the write may still be applied (the service has it; see README, Idempotency-Key).

A request is sent twice only when that cannot act twice: when a pooled connection closes before
any answer, aiohttp resends a safe method, and we resend a write carrying an Idempotency-Key
(its body read first so it can be sent again). Any other write is answered 502 rather than risk
applying it twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp
import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send
from yarl import URL

from gateway.headers import downstream_response_headers, upstream_request_headers
from gateway.routes_table import API_PREFIX, EXPORT_DATASETS, GATEWAY_BUILT, ROUTES
from gateway.settings import Settings
from shared.context import request_id_var, traceparent_var
from shared.http import BadGateway, UpstreamTimeout, UpstreamUnavailable
from shared.problems import NotFound, ProblemError, problem_response

logger = structlog.get_logger("gateway.proxy")

_PREFIX = API_PREFIX + "/v1/"
_NO_BODY_STATUSES = frozenset({204, 304})
_EXPORTS = "exports"


class UnknownCollection(NotFound):
    slug = "unknown-collection"
    title = "No such API collection"


@dataclass(frozen=True)
class _RouteLabel:
    """What the access log and metrics read from `scope["route"]`: one label per collection."""

    path: str


class Upstreams:
    """One aiohttp session (connection pool) per service, opened on first use because a session
    belongs to the running event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.base_urls = {name: url.rstrip("/") for name, url in settings.service_urls.items()}
        self.origins = {name: url.encode() for name, url in self.base_urls.items()}
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._timeout = aiohttp.ClientTimeout(
            total=None,  # a long download is fine while bytes keep coming
            connect=settings.proxy_pool_timeout,
            sock_connect=settings.proxy_connect_timeout,
            sock_read=settings.proxy_read_timeout,
        )

    def session(self, service: str) -> aiohttp.ClientSession:
        session = self._sessions.get(service)
        if session is None or session.closed:
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self.settings.proxy_pool_limit,
                    keepalive_timeout=self.settings.proxy_keepalive_seconds,
                    ttl_dns_cache=300,
                ),
                timeout=self._timeout,
                # Callers never share cookies through the gateway (see gateway.headers).
                cookie_jar=aiohttp.DummyCookieJar(),
                # Bytes pass through as the service encoded them, Content-Length intact.
                auto_decompress=False,
                # Send only what the caller sent, not aiohttp's defaults.
                skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"),
                raise_for_status=False,
                trust_env=False,
            )
            self._sessions[service] = session
        return session

    async def aclose(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()


def _has_body(raw: list[tuple[bytes, bytes]]) -> bool:
    for name, value in raw:
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
        if name == b"transfer-encoding":
            return True
    return False


def problem_for(exc: BaseException, service: str, method: str = "GET") -> ProblemError:
    # Order matters: a connect timeout is also a ServerTimeoutError and a TimeoutError.
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        return UpstreamUnavailable(f"The {service} service could not be reached.")
    if isinstance(exc, TimeoutError):
        detail = f"The {service} service did not answer in time."
        if method not in _READ_METHODS:
            # The service received the write and may still finish it after we gave up.
            detail += (
                " The write may still be applied: retry with the same Idempotency-Key, or read"
                " the resource before writing again."
            )
        return UpstreamTimeout(detail)
    return BadGateway(f"The {service} service's answer was broken off or malformed.")


TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError)
# aiohttp retries these methods itself when a reused connection turns out to be closed.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _retry_safe(method: str, raw: list[tuple[bytes, bytes]]) -> bool:
    """Whether sending this request twice cannot act twice: a safe or idempotent method, or a
    write carrying an Idempotency-Key (the service replays the first answer)."""
    return method in _SAFE_METHODS or any(name == b"idempotency-key" for name, _ in raw)


class ProxyMiddleware:
    """Sends every request under `/api/v1/` to the proxy; anything else to the app.

    Installed as the innermost middleware, so proxied requests get the full shared stack
    (request id, access log, security headers, body checks) but skip FastAPI's exception
    middleware, exit stack and router: there is nothing for them to do on this path, and it is
    the path every API call takes. A `ProblemError` (raised only before the response starts)
    is rendered by the same `problem_response` the app's handlers use.
    """

    def __init__(self, app: ASGIApp, *, proxy: Proxy) -> None:
        self.app = app
        self.proxy = proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not (scope["path"].startswith(_PREFIX) or scope["path"] == _PREFIX[:-1])
            or scope["path"][len(_PREFIX) :].split("/", 1)[0] in GATEWAY_BUILT
        ):
            await self.app(scope, receive, send)
            return
        try:
            await self.proxy.handle(scope, receive, send)
        except ProblemError as exc:
            response = problem_response(
                Request(scope),
                status=exc.status,
                title=exc.title,
                type_=exc.type_uri(),
                detail=exc.detail,
                errors=exc.errors,
                headers=exc.headers,
                extra=exc.extra,
            )
            await response(scope, receive, send)


class Proxy:
    """Forwards one request to the service owning its collection and relays the answer."""

    def __init__(self, upstreams: Upstreams, *, buffer_bytes: int) -> None:
        self.upstreams = upstreams
        self.buffer_bytes = buffer_bytes
        self._labels = {
            collection: _RouteLabel(f"{_PREFIX}{collection}/{{path}}") for collection in ROUTES
        }
        self._export_label = _RouteLabel(f"{_PREFIX}{_EXPORTS}/{{dataset}}")

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        collection, _, rest = path[len(_PREFIX) :].partition("/")
        service = ROUTES.get(collection)
        if service is None or ("/." in path and _has_dot_segment(path)):
            raise UnknownCollection("There is no API collection at this path.")
        scope["route"] = self._labels[collection]
        if collection == _EXPORTS and rest in EXPORT_DATASETS:
            # A dataset streams straight from the service that owns it; the dictionary, the
            # bundle and unknown names (404 `unknown-dataset`) are reporting's.
            service = EXPORT_DATASETS[rest]
            scope["route"] = self._export_label
        if service not in self.upstreams.base_urls:
            # The reporting service is optional (routes_table.UPSTREAMS): without its URL, its
            # collections are not served here.
            raise UnknownCollection("There is no API collection at this path.")

        raw_path: bytes = scope.get("raw_path") or b""
        if not raw_path.startswith(_PREFIX.encode()):  # percent-encoded prefix: re-encode ourselves
            raw_path = quote(path).encode()
        target = self.upstreams.base_urls[service] + raw_path[len(API_PREFIX) :].decode("latin-1")
        if scope["query_string"]:
            target += "?" + scope["query_string"].decode("latin-1")

        raw_headers: list[tuple[bytes, bytes]] = scope["headers"]
        method: str = scope["method"]
        retry_safe = _retry_safe(method, raw_headers)
        body_state = _BodyState()
        body: AsyncIterator[bytes] | bytes | None = None
        if _has_body(raw_headers):
            # A retry must send the body again, so a retryable request's body is read first
            # (the body middleware has already bounded its size); others stream through.
            try:
                body = (
                    await _whole_body(receive) if retry_safe else _request_body(receive, body_state)
                )
            except aiohttp.ClientPayloadError as exc:  # the caller went away mid-body
                raise problem_for(exc, service, method) from exc
        if not isinstance(body, AsyncIterator):
            body_state.done = True
        headers = upstream_request_headers(
            raw_headers,
            client=scope.get("client"),
            scheme=scope["scheme"],
            request_id=request_id_var.get(),
            traceparent=traceparent_var.get(),
        )
        session = self.upstreams.session(service)
        url = URL(target, encoded=True)
        for attempt in (1, 2):
            try:
                response = await session.request(
                    method, url, headers=headers, data=body, allow_redirects=False
                )
                break
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                # The connection closed before any answer: the service closing a pooled
                # connection as we wrote on it, or going away. aiohttp has already resent a
                # safe method once; a write with an Idempotency-Key cannot act twice either:
                # send it once more, on a new connection. Anything else may have been
                # processed, so it is not resent (502, or 503 if it never connected).
                if (
                    attempt == 2
                    or not retry_safe
                    or method in _SAFE_METHODS
                    or isinstance(exc, aiohttp.ClientConnectorError)
                ):
                    raise problem_for(exc, service, method) from exc
                logger.info("proxy_retry", service=service, error=type(exc).__name__)
            except TRANSPORT_ERRORS as exc:
                raise problem_for(exc, service, method) from exc

        try:
            status = response.status
            response_headers = downstream_response_headers(
                response.raw_headers, self.upstreams.origins[service]
            )
            length = response.content_length
            if (
                method == "HEAD"
                or status in _NO_BODY_STATUSES
                or (length is not None and length <= self.buffer_bytes)
            ):
                try:
                    content = await response.read()
                except TRANSPORT_ERRORS as exc:
                    raise problem_for(exc, service, method) from exc
                await send(
                    {"type": "http.response.start", "status": status, "headers": response_headers}
                )
                await send({"type": "http.response.body", "body": content})
                return
            await send(
                {"type": "http.response.start", "status": status, "headers": response_headers}
            )
            await self._stream(response, send, receive if body_state.done else None, service)
        finally:
            response.release()

    async def _stream(
        self, response: aiohttp.ClientResponse, send: Send, receive: Receive | None, service: str
    ) -> None:
        """Relay chunks as they come; stop reading from the service when the caller goes away
        (uvicorn silently drops writes to a closed connection, so only `receive` tells)."""
        task = asyncio.current_task()
        assert task is not None
        gone = finished = False

        async def watch() -> None:
            nonlocal gone
            assert receive is not None
            while (await receive())["type"] != "http.disconnect":
                pass
            if not finished:  # the server reports "disconnect" after a complete response too
                gone = True
                task.cancel()

        watcher = asyncio.create_task(watch()) if receive is not None else None
        try:
            async for chunk in response.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            finished = True
            await send({"type": "http.response.body", "body": b""})
        except asyncio.CancelledError:
            if not gone:
                raise
            task.uncancel()
            response.close()
            logger.info("proxy_caller_gone", service=service)
        except TRANSPORT_ERRORS as exc:
            # Headers are out: no problem body can follow. Returning without finishing makes the
            # server close the connection, so the caller sees the truncation.
            response.close()
            logger.warning("proxy_stream_broken", service=service, error=type(exc).__name__)
        finally:
            if watcher is not None:
                watcher.cancel()


class _BodyState:
    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = False


async def _request_body(receive: Receive, state: _BodyState) -> AsyncIterator[bytes]:
    """The caller's body as it arrives (the body middleware has size-checked it)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise aiohttp.ClientPayloadError("The caller disconnected while sending the body.")
        chunk: bytes = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            state.done = True
            return


async def _whole_body(receive: Receive) -> bytes:
    chunks = []
    async for chunk in _request_body(receive, _BodyState()):
        chunks.append(chunk)
    return b"".join(chunks)


def _has_dot_segment(path: str) -> bool:
    # `..` would address another service path once a server normalises it; refuse it outright.
    return any(segment in (".", "..") for segment in path.split("/"))
