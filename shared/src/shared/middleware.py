"""Pure ASGI middleware (no BaseHTTPMiddleware: it breaks contextvars and streaming).

Order, outermost first, as installed by `shared.app`: request context → access log and metrics →
security headers → request body checks. Each piece does one thing.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
import uuid
from collections.abc import Iterable
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.context import authorization_var, request_id_var, traceparent_var
from shared.problems import FieldError, problem_response, status_problem_type

access_logger = structlog.get_logger("access")

_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_TRACEPARENT_PATTERN = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")

HTTP_REQUESTS = Counter(
    "http_requests_total", "HTTP requests handled", ["service", "method", "route", "status"]
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds", "HTTP request duration", ["service", "method", "route"]
)


class RequestContextMiddleware:
    """Accept or generate `X-Request-ID`, keep `traceparent` and the bearer token in contextvars,
    and return the request id on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # One pass over the raw headers (a `Headers` object and three lookups cost more on
        # every request); the first of a repeated header wins, as `Headers.get` has it.
        incoming = traceparent = authorization = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                incoming = incoming if incoming is not None else value.decode("latin-1")
            elif name == b"traceparent":
                traceparent = traceparent if traceparent is not None else value.decode("latin-1")
            elif name == b"authorization":
                authorization = (
                    authorization if authorization is not None else value.decode("latin-1")
                )
        request_id = (
            incoming if incoming and _REQUEST_ID_PATTERN.match(incoming) else str(uuid.uuid4())
        )
        # Also on the scope: the 500 handler runs outside this middleware, after the reset below.
        scope.setdefault("state", {})["request_id"] = request_id
        tokens = (
            request_id_var.set(request_id),
            traceparent_var.set(
                traceparent if traceparent and _TRACEPARENT_PATTERN.match(traceparent) else None
            ),
            authorization_var.set(authorization),
        )
        header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                _set_header(message, header)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(tokens[0])
            traceparent_var.reset(tokens[1])
            authorization_var.reset(tokens[2])


def _set_header(message: Message, header: tuple[bytes, bytes]) -> None:
    """`MutableHeaders(scope=message)[name] = value` without building the object: replace any
    header of that (lower-case) name in the response start, then append it."""
    headers = message.get("headers")
    if headers is None:
        message["headers"] = [header]
        return
    name = header[0]
    if any(key.lower() == name for key, _ in headers):
        headers = [(key, value) for key, value in headers if key.lower() != name]
    elif not isinstance(headers, list):
        headers = list(headers)
    headers.append(header)  # in place, as `MutableHeaders` changes the response's own list
    message["headers"] = headers


_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/v1/events"})


def _access_log_enabled(level: int) -> bool:
    """Whether the access log would emit at `level` (`configure_logging` gives the stdlib level
    check; an unconfigured structlog, in a unit test, has none and logs everything)."""
    check = getattr(access_logger, "isEnabledFor", None)
    return True if check is None else bool(check(level))


class AccessLogMiddleware:
    """One JSON log line and Prometheus samples per request, labelled by route template."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service
        # The labelled samples, by their labels: `labels()` validates and locks on every call.
        self._requests: dict[tuple[str, str, int], Any] = {}
        self._durations: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_recording)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"]
            self._record(method, template, status, elapsed)
            # Probes and change-feed polls arrive every second from every consumer: successful
            # ones are logged at DEBUG so the log shows what people and jobs do.
            quiet = status < 400 and scope["path"] in _QUIET_PATHS
            level = logging.DEBUG if quiet else logging.INFO
            # Asked first: below the configured level structlog would build the call and drop it.
            if _access_log_enabled(level):
                log = access_logger.debug if quiet else access_logger.info
                log(
                    "request",
                    method=method,
                    path=scope["path"],
                    route=template,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )

    def _record(self, method: str, template: str, status: int, elapsed: float) -> None:
        counter = self._requests.get((method, template, status))
        if counter is None:
            counter = HTTP_REQUESTS.labels(self.service, method, template, str(status))
            self._requests[(method, template, status)] = counter
        counter.inc()
        histogram = self._durations.get((method, template))
        if histogram is None:
            histogram = HTTP_DURATION.labels(self.service, method, template)
            self._durations[(method, template)] = histogram
        histogram.observe(elapsed)


_NOSNIFF = (b"x-content-type-options", b"nosniff")
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeadersMiddleware:
    """`X-Content-Type-Options: nosniff` everywhere; `Cache-Control: no-store` on authenticated
    responses unless the route chose its own caching."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authenticated = any(name == b"authorization" for name, _ in scope["headers"])

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                _set_header(message, _NOSNIFF)
                if authenticated and not any(
                    key.lower() == b"cache-control" for key, _ in message["headers"]
                ):
                    message["headers"].append(_NO_STORE)
            await send(message)

        await self.app(scope, receive, send_secured)


JSON_MEDIA_TYPES = ("application/json", "application/merge-patch+json")
# The one body that is not JSON: the OAuth token endpoint takes a form (RFC 6749 §4.4.2), at the
# integrations service and through the gateway. Its route checks the media type itself and
# answers in the RFC's error format, not with a 415 problem.
FORM_BODY_PATHS = frozenset({"/v1/oauth/token", "/api/v1/oauth/token"})
_BODY_METHODS = {"POST", "PUT", "PATCH"}
# A JSON escape that decodes to a lone surrogate (\ud800-\udfff) or NUL: valid JSON, but no
# database or UTF-8 encoder accepts it. Checked only when the raw bytes could contain one.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")


# Deeper JSON is refused before anything parses or walks it: Python's json and any recursive
# walk fail at about 1,000 levels (RecursionError, a 500), and no document of ours nests past ten.
MAX_JSON_DEPTH = 64
_DEPTH_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))


def json_depth(body: bytes) -> int:
    """How deeply the JSON text nests arrays and objects, in linear time and without parsing
    (a malformed body gets some number; the JSON parser reports what is wrong with it)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return 1  # too few brackets to be too deep: the common case costs two scans
    # Drop escaped backslashes, then escaped quotes: every `"` left delimits a string, so the
    # text outside strings is every other piece between quotes.
    unescaped = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside = b"".join(unescaped.split(b'"')[::2])
    steps = memoryview(outside.translate(_DEPTH_STEPS, _NOT_BRACKETS)).cast("b")
    return max(itertools.accumulate(steps), default=0)


def _find_unencodable(document: Any) -> tuple[str | int, ...] | None:
    """The path of the first text (value or key) no database stores: NUL or a lone surrogate.
    Iterative, so no nesting depth can exhaust the stack."""
    pending: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if not _storable(value):
                return path
            continue
        items: Iterable[tuple[str | int, Any]]
        if isinstance(value, dict):
            for key in value:
                if not _storable(key):
                    return path
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            continue
        # Reversed, so the first offending field in document order is the one reported.
        pending.extend(reversed([((*path, key), child) for key, child in items]))
    return None


def _storable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class RequestBodyMiddleware:
    """Body checks before any route runs: size limit (413), JSON media type (415), nesting depth
    (422 past `MAX_JSON_DEPTH`) and JSON text that no database can store (422: invalid UTF-8,
    lone surrogates, NUL)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request = Request(scope)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._reject(request, send, 413, f"The body exceeds {self.max_body_bytes} bytes.")
            return

        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._reject(
                    request, send, 413, f"The body exceeds {self.max_body_bytes} bytes."
                )
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)

        if body and scope["path"] in FORM_BODY_PATHS:
            pass  # size-limited above; the token endpoint parses and checks its own form
        elif body:
            media_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if media_type not in JSON_MEDIA_TYPES and not media_type.endswith("+json"):
                await self._reject(
                    request,
                    send,
                    415,
                    "Send JSON: `application/json` or `application/merge-patch+json`.",
                )
                return
            if json_depth(body) > MAX_JSON_DEPTH:
                await self._reject(
                    request,
                    send,
                    422,
                    f"The JSON body nests more than {MAX_JSON_DEPTH} levels deep.",
                    [FieldError(pointer="", location="body", detail="Nested too deeply.")],
                )
                return
            error = self._unstorable_text(body)
            if error is not None:
                await self._reject(
                    request, send, 422, "The JSON body holds text that cannot be stored.", [error]
                )
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _unstorable_text(body: bytes) -> FieldError | None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return FieldError(pointer="", location="body", detail="The body is not valid UTF-8.")
        if not _SUSPECT_ESCAPE.search(body):
            return None
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return None  # malformed JSON: FastAPI reports it as a 422 with the position
        path = _find_unencodable(document)
        if path is None:
            return None
        pointer = (
            "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)
            if path
            else ""
        )
        return FieldError(
            pointer=pointer,
            location="body",
            detail="Text must not contain NUL or unpaired surrogates.",
        )

    @staticmethod
    async def _reject(
        request: Request,
        send: Send,
        status: int,
        detail: str,
        errors: list[FieldError] | None = None,
    ) -> None:
        titles = {
            413: "Payload too large",
            415: "Unsupported media type",
            422: "The request is not valid",
        }
        response = problem_response(
            request,
            status=status,
            title=titles[status],
            type_=status_problem_type(status),
            detail=detail,
            errors=errors,
        )
        await response(request.scope, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
