"""RFC 9457 problem details: the one error shape of every process.

Domain errors subclass `ProblemError` with class attributes (`slug`, `title`, `status`), so a
rule is named once and documented in OpenAPI through `problem_responses(...)`. Handlers cover
Starlette's HTTP errors (routing 404/405), request validation (422 with pointers, never echoing
input), our `ProblemError`s, lost database connections (503) and anything else (500 without
internals).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.context import current_request_id

PROBLEM_TYPE_BASE = "https://cmdi.example/problems/"
PROBLEM_CONTENT_TYPE = "application/problem+json"

logger = structlog.get_logger("shared.problems")


def problem_type(slug: str) -> str:
    return f"{PROBLEM_TYPE_BASE}{slug}"


class FieldError(BaseModel):
    """One invalid input: where it is and what is wrong, never the submitted value."""

    pointer: str = Field(description="JSON pointer into the location, e.g. `/title` or `/limit`.")
    location: str = Field(description="`body`, `query`, `path` or `header`.")
    detail: str


class Problem(BaseModel):
    """An `application/problem+json` body (RFC 9457)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Base for every error a route may raise. Subclass it once per rule."""

    slug: ClassVar[str] = "about-blank"
    title: ClassVar[str] = "Error"
    status: ClassVar[int] = 400

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    @classmethod
    def type_uri(cls) -> str:
        return problem_type(cls.slug)


class NotFound(ProblemError):
    slug = "not-found"
    title = "Resource not found"
    status = 404


class Conflict(ProblemError):
    slug = "conflict"
    title = "Conflict with the current state"
    status = 409


class InvalidInput(ProblemError):
    """A 422 about the payload's meaning (its shape is checked by FastAPI)."""

    slug = "validation-error"
    title = "The request is not valid"
    status = 422


class Unauthorized(ProblemError):
    slug = "unauthorized"
    title = "Authentication required"
    status = 401

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


class Forbidden(ProblemError):
    slug = "forbidden"
    title = "Not allowed for this caller"
    status = 403


class ServiceUnavailable(ProblemError):
    slug = "service-unavailable"
    title = "Service temporarily unavailable"
    status = 503

    def __init__(self, detail: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


def problem_response(
    request: Request | None,
    *,
    status: int,
    title: str,
    type_: str | None = None,
    detail: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    body = Problem(
        type=type_ or "about:blank",
        title=title,
        status=status,
        detail=detail,
        instance=instance_of(request) if request is not None else None,
        request_id=_request_id(request),
        errors=list(errors) if errors else None,
        **dict(extra or {}),
    )
    return Response(
        body.model_dump_json(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=dict(headers or {}),
    )


# Set by the gateway on every proxied request: the service's `/v1/x` is the client's `/api/v1/x`.
FORWARDED_PREFIX_HEADER = "x-forwarded-prefix"
_FORWARDED_PREFIX = re.compile(r"(?:/[A-Za-z0-9._~-]{1,32}){1,4}")
# A problem never echoes more of a user-supplied path than this; a longer one is left out.
MAX_INSTANCE_CHARS = 200
_PATH_SAFE = "/!$&'()*+,;=:@-._~"


def instance_of(request: Request) -> str | None:
    """The path the client asked for, as a URI reference: behind the gateway its `/api/v1/...`
    (from `X-Forwarded-Prefix`), percent-encoded, and omitted when longer than
    `MAX_INSTANCE_CHARS` (a 5,000-character id is not worth sending back)."""
    prefix = request.headers.get(FORWARDED_PREFIX_HEADER, "")
    if not _FORWARDED_PREFIX.fullmatch(prefix):
        prefix = ""
    path: str = request.scope.get("path", "")
    instance = prefix + quote(path, safe=_PATH_SAFE)
    return instance if len(instance) <= MAX_INSTANCE_CHARS else None


def _request_id(request: Request | None) -> str | None:
    found = current_request_id()
    if found is None and request is not None:
        found = getattr(request.state, "request_id", None)
    return found


def _status_title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


_STATUS_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    428: "precondition-required",
    429: "too-many-requests",
    500: "internal-error",
    502: "bad-gateway",
    503: "service-unavailable",
    504: "gateway-timeout",
}


def status_problem_type(status: int) -> str:
    return problem_type(_STATUS_SLUGS.get(status, "http-error"))


def pointer_for(loc: Iterable[int | str]) -> tuple[str, str]:
    """A pydantic `loc` as (location, JSON pointer): `("body", "a", 0)` → ("body", "/a/0")."""
    parts = list(loc)
    location = (
        str(parts.pop(0))
        if parts and parts[0] in ("body", "query", "path", "header", "cookie")
        else "body"
    )
    escaped = [str(p).replace("~", "~0").replace("/", "~1") for p in parts]
    return location, "/" + "/".join(escaped) if escaped else ""


def validation_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        location, pointer = pointer_for(err.get("loc", ()))
        # Only `msg`: pydantic's `input` and `ctx` may carry the submitted (possibly personal) data.
        errors.append(
            FieldError(
                pointer=pointer, location=location, detail=str(err.get("msg", "Invalid value"))
            )
        )
    return errors


async def _handle_problem_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        status=exc.status,
        title=exc.title,
        type_=exc.type_uri(),
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 304:  # not an error; raised by conditional GETs
        return Response(status_code=304, headers=dict(exc.headers or {}))
    title = _status_title(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    return problem_response(
        request,
        status=exc.status_code,
        title=title,
        type_=status_problem_type(exc.status_code),
        detail=detail,
        headers=exc.headers,
    )


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return problem_response(
        request,
        status=422,
        title=InvalidInput.title,
        type_=InvalidInput.type_uri(),
        detail="One or more fields are invalid; see `errors`.",
        errors=validation_errors(exc),
    )


def is_connection_lost(exc: BaseException) -> bool:
    """True when the database could not be reached (as opposed to a query that failed)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, OperationalError):
        text = str(exc.orig).lower()
        return any(
            marker in text
            for marker in (
                "connection",
                "could not connect",
                "server closed",
                "unable to open",
                "terminating",
            )
        )
    return isinstance(exc, (ConnectionError, OSError)) and not isinstance(exc, FileNotFoundError)


def is_database_busy(exc: BaseException) -> bool:
    """True when the database turned a write away because of other writes, so that it did
    nothing and may be retried:
    - SQLite gave up waiting for the write lock (busy_timeout passed). Raised wrapped by
      SQLAlchemy, or raw from the BEGIN IMMEDIATE the engine sends straight to the driver
      (`shared.db`).
    - PostgreSQL rolled the transaction back (SQLSTATE class 40: a serialization failure or a
      deadlock). `shared.changes` orders its locks so our own writes do not deadlock; this
      keeps any that still do from being a 500."""
    original = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(original, sqlite3.OperationalError):
        return "locked" in str(original).lower()
    return str(getattr(original, "sqlstate", None) or "").startswith("40")


async def _handle_unexpected(request: Request, exc: Exception) -> Response:
    if is_database_busy(exc):
        logger.warning("database_busy", error=type(exc).__name__)
        return problem_response(
            request,
            status=503,
            title=ServiceUnavailable.title,
            type_=ServiceUnavailable.type_uri(),
            detail="The database is busy with other writes; nothing was changed, retry shortly.",
            headers={"Retry-After": "1"},
        )
    if is_connection_lost(exc):
        logger.warning("database_unavailable", error=type(exc).__name__)
        return problem_response(
            request,
            status=503,
            title=ServiceUnavailable.title,
            type_=ServiceUnavailable.type_uri(),
            detail="The database is unreachable; retry shortly.",
            headers={"Retry-After": "5"},
        )
    logger.exception("unhandled_error", path=request.url.path, request_id=_request_id(request))
    response = problem_response(
        request,
        status=500,
        title="Internal server error",
        type_=status_problem_type(500),
        detail="An unexpected error occurred; quote the request_id when reporting it.",
    )
    # This handler runs in ServerErrorMiddleware, outside our own middleware, so it sets the
    # request id header itself.
    request_id = _request_id(request)
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _handle_problem_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(DBAPIError, _handle_unexpected)
    app.add_exception_handler(Exception, _handle_unexpected)


class UnhandledErrorMiddleware:
    """The outermost of our middleware: an error that escaped everything else is answered with
    the same 500 (or 503) problem, and the request ends normally. Starlette's
    ServerErrorMiddleware answers too but then re-raises, and uvicorn closes the connection after
    that: a pooled client (the gateway) would lose the next request it writes there. Once the
    response has started the error still propagates, so the connection is cut and the caller
    sees the truncation."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started:
                raise
            response = await _handle_unexpected(Request(scope), exc)
            await response(scope, receive, send)


_PROBLEM_CONTENT = {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def problem_responses(*errors: type[ProblemError] | int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the given problem classes or statuses."""
    by_status: dict[int, list[str]] = {}
    for item in errors:
        if isinstance(item, int):
            by_status.setdefault(item, []).append(status_problem_type(item))
        else:
            by_status.setdefault(item.status, []).append(f"`{item.type_uri()}`: {item.title}")
    return {
        status: {"description": "; ".join(descriptions), "content": _PROBLEM_CONTENT}
        for status, descriptions in sorted(by_status.items())
    }
