"""Change-feed consumers: how one service reacts to another's events.

A consumer polls the producer's `GET /v1/events?after=`, applies a fetched page of events with
their handlers in one transaction of its own database that also records the event ids (so a
redelivered event is skipped: idempotent) and advances the stored cursor. Events are applied
strictly in feed order; a failing event stops the batch (the events before it stay applied) and
is retried with exponential backoff, so delivery is at least once and in order per entity. The
loop runs as a background task in the app's lifespan; tests call `step()` to apply what is
available right now.

Replicas: at most one replica of the consuming service applies a given producer's feed at a
time. On PostgreSQL each page transaction starts with `pg_try_advisory_xact_lock` on a key of
(service, producer) (`shared.coordination`); a replica that does not get it skips this round
(logged at debug: it is the normal state of a standby) and polls again, and the lock ends with
the transaction, also when the holder's connection dies. Inside the lock the stored cursor is
read again, so a page another replica applied meanwhile is not applied twice. On SQLite nothing
changes: one process per database is the SQLite rule, and its BEGIN IMMEDIATE write
transactions serialise the page transactions of the file anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from prometheus_client import Counter, Gauge
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.coordination import advisory_key, try_transaction_lock
from shared.db import Database, utcnow
from shared.http import ServiceClient
from shared.platform import PlatformTables, platform_of

logger = structlog.get_logger("shared.consumer")

CONSUMER_LAG = Gauge(
    "cmdi_consumer_lag_seconds",
    "Age of the oldest event the producer's feed still holds for this consumer at its last poll "
    "(0 when caught up); the same on every replica, since they share the cursor.",
    ["service", "producer"],
)
CONSUMER_ROUNDS_SKIPPED = Counter(
    "cmdi_consumer_rounds_skipped_total",
    "Polls that found another replica applying the feed (PostgreSQL advisory lock held).",
    ["service", "producer"],
)
CONSUMER_FAILURES = Counter(
    "cmdi_consumer_failures_total",
    "Polls that failed (the feed unreachable or refusing this service's token, or a handler "
    "raising); the lag gauge only moves on a successful poll, so this is what shows a stuck one.",
    ["service", "producer"],
)
CONSUMER_LAST_SUCCESS = Gauge(
    "cmdi_consumer_last_success_timestamp_seconds",
    "Unix time of this replica's last poll that read the feed and applied what it held.",
    ["service", "producer"],
)

Event = Mapping[str, Any]
EventHandler = Callable[[AsyncSession, Event], Awaitable[str | None]]
"""Applies one event inside the consumer's transaction; may return a short outcome note."""


class ConsumerError(Exception):
    pass


class _HandlerFailed(Exception):
    """Internal: the handler of the page's `index`-th event raised `error`."""

    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(index, error)
        self.index = index
        self.error = error


@dataclass(frozen=True)
class ConsumerSpec:
    """What a service declares: whose feed it reads and which event types it handles."""

    producer: str
    handlers: Mapping[str, EventHandler] = field(default_factory=dict)


class ChangeFeedConsumer:
    def __init__(
        self,
        *,
        spec: ConsumerSpec,
        client: ServiceClient,
        database: Database,
        batch_size: int = 100,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self.producer = spec.producer
        self.handlers = dict(spec.handlers)
        self.client = client
        self.database = database
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        # A session made only to read its info (no connection is opened): the service's name.
        self.service = platform_of(database.sessionmaker()).service
        self.lock_key = advisory_key(self.service, f"consumer:{self.producer}")

    async def position(self) -> int:
        # The read session: a poll that finds nothing new takes no write lock (SQLite).
        async with self.database.read_sessionmaker() as session:
            table = platform_of(session).consumer_cursor
            value = await session.scalar(
                select(table.c.position).where(table.c.producer == self.producer)
            )
            return int(value or 0)

    async def step(self) -> int:
        """Apply every event available now; returns how many were newly applied (by this
        replica: a round another replica is applying ends early, having applied nothing more)."""
        applied = 0
        while True:
            after = await self.position()
            response = await self.client.get(
                "/v1/events",
                params={
                    "after": str(after),
                    "limit": self.batch_size,
                    "type": sorted(self.handlers),
                },
                as_service=True,
            )
            if response.status_code != 200:
                raise ConsumerError(f"{self.producer} feed answered {response.status_code}")
            feed = response.json()
            items: list[Event] = feed["items"]
            self._record_lag(items)
            # The feed may resume past the last item (events of types we don't handle).
            end = max(int(feed["next_cursor"]), int(items[-1]["position"]) if items else after)
            if items or end > after:
                done = await self._apply_page(items, end)
                if done is None:
                    CONSUMER_ROUNDS_SKIPPED.labels(self.service, self.producer).inc()
                    logger.debug("consumer_standing_by", producer=self.producer)
                    return applied
                applied += done
            if not feed["has_more"]:
                return applied

    def _record_lag(self, items: Sequence[Event]) -> None:
        lag = 0.0
        if items:
            try:
                oldest = dt.datetime.fromisoformat(str(items[0]["occurred_at"]))
            except (KeyError, ValueError):  # a metric never stops the consumer
                return
            lag = max((utcnow() - oldest).total_seconds(), 0.0)
        CONSUMER_LAG.labels(self.service, self.producer).set(lag)

    async def _apply_page(self, items: Sequence[Event], end: int) -> int | None:
        """One transaction for the page: a transaction per event was the consumer's ceiling
        (14 ms/event on SQLite, 25 ms on PostgreSQL, bench/WEBHOOKS.md). If an event fails, the
        page is rolled back and the events before it are applied again in a fresh transaction,
        so their progress is kept and the failing one is retried (with backoff) on its own.
        None: another replica holds the feed's lock (it applies the page, not this one)."""
        try:
            return await self._apply_in_one_transaction(items, end)
        except _HandlerFailed as failed:
            if failed.index > 0:
                done = items[: failed.index]
                try:
                    await self._apply_in_one_transaction(done, int(done[-1]["position"]))
                except _HandlerFailed as again:  # a handler that fails only the second time
                    raise again.error from None
            raise failed.error from None

    async def _apply_in_one_transaction(self, items: Sequence[Event], end: int) -> int | None:
        async with self.database.sessionmaker() as session:
            tables = platform_of(session)
            # First statement of the transaction: nothing is read before the lock is held.
            if not await try_transaction_lock(session, self.lock_key):
                return None  # leaving the block rolls back the (empty) transaction
            if await self._stored_position(session, tables) >= end:
                return 0  # another replica applied this page after this one read the cursor
            consumed = tables.consumed_event
            ids = [_uuid(event["id"]) for event in items]
            seen: set[uuid.UUID] = set()
            if ids:
                seen = set(
                    await session.scalars(
                        select(consumed.c.event_id).where(
                            consumed.c.producer == self.producer, consumed.c.event_id.in_(ids)
                        )
                    )
                )
            rows: list[dict[str, Any]] = []
            for index, (event, event_id) in enumerate(zip(items, ids, strict=True)):
                handler = self.handlers.get(event["type"])
                if event_id in seen or handler is None:
                    continue
                try:
                    outcome = await handler(session, event)
                except Exception as exc:
                    raise _HandlerFailed(index, exc) from exc
                seen.add(event_id)  # a page that repeats an event applies it once
                rows.append(
                    {
                        "producer": self.producer,
                        "event_id": event_id,
                        "consumed_at": utcnow(),
                        "outcome": outcome,
                    }
                )
            if rows:
                await session.execute(insert(consumed), rows)
            await self._store_position(session, tables, end)
            await session.commit()
        return len(rows)

    async def _stored_position(self, session: AsyncSession, tables: PlatformTables) -> int:
        table = tables.consumer_cursor
        value = await session.scalar(
            select(table.c.position).where(table.c.producer == self.producer)
        )
        return int(value or 0)

    async def _store_position(
        self, session: AsyncSession, tables: PlatformTables, position: int
    ) -> None:
        table = tables.consumer_cursor
        result = await session.execute(
            update(table)
            .where(table.c.producer == self.producer, table.c.position < position)
            .values(position=position, updated_at=utcnow())
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            exists = await session.scalar(
                select(table.c.producer).where(table.c.producer == self.producer)
            )
            if exists is None:
                await session.execute(
                    insert(table).values(
                        producer=self.producer, position=position, updated_at=utcnow()
                    )
                )

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, backing off exponentially while the feed or a handler fails."""
        backoff = self.poll_seconds
        while not stop.is_set():
            try:
                await self.step()
                backoff = self.poll_seconds
                CONSUMER_LAST_SUCCESS.labels(self.service, self.producer).set_to_current_time()
            except Exception as exc:
                CONSUMER_FAILURES.labels(self.service, self.producer).inc()
                logger.warning(
                    "consumer_step_failed", producer=self.producer, error=str(exc), retry_in=backoff
                )
                backoff = min(backoff * 2, self.max_backoff_seconds)
                wait = backoff
            else:
                wait = self.poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)


def _uuid(value: Any) -> uuid.UUID:
    return uuid.UUID(str(value))
