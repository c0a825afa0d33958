"""`Idempotency-Key`: a retried write returns the first response instead of acting twice.

Keys are scoped to the verified caller. The same key with the same request (method, path, query
and body) replays the stored response with `Idempotent-Replayed: true`; with a different request
it is a 422; while the first request is still running it is a 409. 5xx responses are not stored,
so the caller may retry them. Keys expire after `idempotency_ttl_hours`; a key whose request died
mid-way is taken over after `idempotency_lock_seconds`.

The key is recorded as complete (with the stored response) before the response is sent, so a
retry from a caller who already has the answer is always a replay. An unreachable database is a
503 with Retry-After, never a 500.

The write's own transaction also marks the key "committed" (a before-commit hook of
`shared.db`), so a process killed between its commit and the recording of the response can
never apply the write twice: once the lock expires, a retry is told the request was applied and
its response lost (409 `idempotency-key-applied`), rather than being run again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import structlog
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import Authenticator
from shared.db import Database, before_commit_hooks, utcnow
from shared.platform import PlatformTables, platform_of
from shared.problems import (
    Conflict as _Conflict,
    ProblemError,
    ServiceUnavailable,
    is_connection_lost,
    problem_response,
)

logger = structlog.get_logger("shared.idempotency")

_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_REPLAYED_HEADERS = ("content-type", "location", "etag", "link")
MAX_KEY_LENGTH = 200


class IdempotencyKeyReused(ProblemError):
    slug = "idempotency-key-reused"
    title = "This Idempotency-Key was used for a different request"
    status = 422


class IdempotencyKeyInProgress(_Conflict):
    slug = "idempotency-key-in-progress"
    title = "A request with this Idempotency-Key is still being processed"


class IdempotencyKeyApplied(_Conflict):
    slug = "idempotency-key-applied"
    title = "The request with this Idempotency-Key was applied, but its response was lost"


class InvalidIdempotencyKey(ProblemError):
    slug = "invalid-idempotency-key"
    title = "The Idempotency-Key header is not valid"
    status = 422


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        database: Database,
        tables: PlatformTables,
        authenticator: Authenticator,
        ttl: dt.timedelta,
        lock: dt.timedelta,
    ) -> None:
        self.app = app
        self.database = database
        self.tables = tables
        self.authenticator = authenticator
        self.ttl = ttl
        self.lock = lock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            await self._problem(
                request,
                send,
                InvalidIdempotencyKey(f"Use 1 to {MAX_KEY_LENGTH} printable characters."),
            )
            return
        subject = await self._subject(headers)
        if subject is None:  # unauthenticated: the route answers 401 and nothing is stored
            await self.app(scope, receive, send)
            return

        body = await _read_body(receive)
        if body is None:  # the caller left before sending the whole body: nothing to do
            return
        digest = hashlib.sha256(
            b"\n".join(
                [
                    scope["method"].encode(),
                    scope["path"].encode(),
                    scope.get("query_string", b""),
                    body,
                ]
            )
        ).hexdigest()

        try:
            stored = await self._claim(subject, key, digest)
        except Exception as exc:
            if not is_connection_lost(exc):
                raise
            stored = ServiceUnavailable("The database is unreachable; retry shortly.")
        if isinstance(stored, ProblemError):
            await self._problem(request, send, stored)
            return
        if stored is not None:
            await self._replay(stored, send)
            return

        # The response is held back until the key is recorded: a client that has the answer
        # and retries at once must get the replay, never "still in progress".
        captured: dict[str, Any] = {"status": 500, "headers": [], "body": []}
        messages: list[Message] = []

        async def send_capturing(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["headers"] = message.get("headers", [])
            elif message["type"] == "http.response.body":
                captured["body"].append(message.get("body", b""))
            messages.append(message)

        replayed = False

        async def replay_body() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        before_commit_hooks(scope).append(
            lambda session: self._mark_committed(session, subject, key)
        )
        try:
            await self.app(scope, replay_body, send_capturing)
        except BaseException:
            await self._settle(lambda: self._release(subject, key))
            raise
        if captured["status"] >= 500:
            await self._settle(lambda: self._release(subject, key))
        else:
            await self._settle(lambda: self._complete(subject, key, captured))
        for message in messages:
            await send(message)

    async def _settle(self, record: Callable[[], Awaitable[None]]) -> None:
        """Record the key's outcome before answering. If the database has just gone away, keep
        trying in the background (for up to the lock period) and answer anyway: a key left
        "processing" would answer every retry 409 until its lock expired."""
        try:
            await record()
        except Exception as exc:
            if not is_connection_lost(exc):
                raise
            logger.warning("idempotency_record_deferred", error=type(exc).__name__)
            task = asyncio.create_task(_keep_trying(record, self.lock.total_seconds()))
            _pending.add(task)
            task.add_done_callback(_pending.discard)

    async def _subject(self, headers: Headers) -> str | None:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            principal = await self.authenticator.verify(token.strip())
        except ProblemError:
            return None
        return principal.subject

    async def _claim(
        self, subject: str, key: str, digest: str
    ) -> dict[str, Any] | ProblemError | None:
        table = self.tables.idempotency
        now = utcnow()
        async with self.database.sessionmaker() as session:
            await session.execute(delete(table).where(table.c.created_at < now - self.ttl))
            row = (
                (
                    await session.execute(
                        select(table).where(table.c.subject == subject, table.c.key == key)
                    )
                )
                .mappings()
                .first()
            )
            if row is not None:
                if row["request_hash"] != digest:
                    await session.commit()
                    return IdempotencyKeyReused("Use a new key for a different request.")
                if row["state"] == "done":
                    await session.commit()
                    return dict(row)
                if row["locked_until"] > now:
                    await session.commit()
                    return IdempotencyKeyInProgress("Retry after the first request has finished.")
                if row["state"] == "committed":  # applied, then the process died: never again
                    await session.commit()
                    return IdempotencyKeyApplied(
                        "The first request was applied, but the service stopped before it kept "
                        "the response. Read the resource instead of retrying."
                    )
                await session.execute(  # the first attempt died: take the key over
                    update(table)
                    .where(table.c.subject == subject, table.c.key == key)
                    .values(locked_until=now + self.lock)
                )
                await session.commit()
                return None
            try:
                await session.execute(
                    insert(table).values(
                        subject=subject,
                        key=key,
                        request_hash=digest,
                        state="processing",
                        created_at=now,
                        locked_until=now + self.lock,
                    )
                )
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return IdempotencyKeyInProgress("Retry after the first request has finished.")
        return None

    async def _complete(self, subject: str, key: str, captured: dict[str, Any]) -> None:
        table = self.tables.idempotency
        kept = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in captured["headers"]
            if name.decode("latin-1").lower() in _REPLAYED_HEADERS
        }
        async with self.database.sessionmaker() as session:
            await session.execute(
                update(table)
                .where(table.c.subject == subject, table.c.key == key)
                .values(
                    state="done",
                    status_code=captured["status"],
                    headers=kept,
                    body=b"".join(captured["body"]),
                )
            )
            await session.commit()

    async def _mark_committed(self, session: AsyncSession, subject: str, key: str) -> None:
        table = self.tables.idempotency
        await session.execute(
            update(table)
            .where(table.c.subject == subject, table.c.key == key)
            .values(state="committed")
        )

    async def _release(self, subject: str, key: str) -> None:
        """Forget a key whose request failed, so the caller may retry it; unless its write was
        committed after all (a 5xx after the commit), when a retry must learn it was applied."""
        table = self.tables.idempotency
        mine = (table.c.subject == subject, table.c.key == key)
        async with self.database.sessionmaker() as session:
            await session.execute(delete(table).where(*mine, table.c.state == "processing"))
            await session.execute(
                update(table)
                .where(*mine, table.c.state == "committed")
                .values(locked_until=utcnow())
            )
            await session.commit()

    @staticmethod
    async def _replay(row: dict[str, Any], send: Send) -> None:
        stored_headers: dict[str, str] = (
            row["headers"] if isinstance(row["headers"], dict) else json.loads(row["headers"])
        )
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored_headers.items()]
        headers.append((b"idempotent-replayed", b"true"))
        await send(
            {"type": "http.response.start", "status": row["status_code"], "headers": headers}
        )
        await send({"type": "http.response.body", "body": row["body"] or b""})

    @staticmethod
    async def _problem(request: Request, send: Send, error: ProblemError) -> None:
        response = problem_response(
            request,
            status=error.status,
            title=error.title,
            type_=error.type_uri(),
            detail=error.detail,
            headers=error.headers,
        )
        await response(request.scope, _disconnected, send)


_pending: set[asyncio.Task[None]] = set()  # deferred recordings, kept from garbage collection


async def _keep_trying(record: Callable[[], Awaitable[None]], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    delay = 0.2
    while True:
        await asyncio.sleep(delay)
        try:
            await record()
        except Exception as exc:
            if not is_connection_lost(exc) or time.monotonic() + delay > deadline:
                logger.error("idempotency_record_lost", error=type(exc).__name__)
                return
            delay = min(delay * 2, 2.0)
        else:
            logger.info("idempotency_record_recovered")
            return


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None if the caller disconnected first (e.g. the gateway gave up with
    a 504 while this process was paused): a truncated body must not be stored under the key."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}


async def forget_stored_responses(session: AsyncSession, *, containing: Iterable[str]) -> int:
    """Delete stored responses whose body mentions any of `containing` (in the caller's
    transaction). Erasure needs it: a replay cache must not outlive the personal data it echoes.
    Returns how many were forgotten; a retry of such a request is then processed afresh."""
    needles: set[bytes] = set()
    for text in containing:
        if text:
            needles.add(text.encode())
            needles.add(json.dumps(text)[1:-1].encode())  # as it appears inside JSON
    if not needles:
        return 0
    table = platform_of(session).idempotency
    rows = (
        await session.execute(
            select(table.c.subject, table.c.key, table.c.body).where(table.c.body.is_not(None))
        )
    ).all()
    doomed = [(row.subject, row.key) for row in rows if any(n in row.body for n in needles)]
    for subject, key in doomed:
        await session.execute(delete(table).where(table.c.subject == subject, table.c.key == key))
    return len(doomed)
