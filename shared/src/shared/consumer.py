"""Change-feed consumers: how one service reacts to another's events.

A consumer polls the producer's `GET /v1/events?after=`, applies each event with its handler in
a transaction of its own database that also records the event id (so a redelivered event is
skipped: idempotent) and advances the stored cursor. Events are applied strictly in feed order; a
failing event stops the batch and is retried with exponential backoff, so delivery is at least
once and in order per entity. The loop runs as a background task in the app's lifespan; tests
call `step()` to apply what is available right now.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database, utcnow
from shared.http import ServiceClient
from shared.platform import PlatformTables, platform_of

logger = structlog.get_logger("shared.consumer")

Event = Mapping[str, Any]
EventHandler = Callable[[AsyncSession, Event], Awaitable[str | None]]
"""Applies one event inside the consumer's transaction; may return a short outcome note."""


class ConsumerError(Exception):
    pass


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

    async def position(self) -> int:
        async with self.database.sessionmaker() as session:
            table = platform_of(session).consumer_cursor
            value = await session.scalar(
                select(table.c.position).where(table.c.producer == self.producer)
            )
            return int(value or 0)

    async def step(self) -> int:
        """Apply every event available now; returns how many were newly applied."""
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
            for event in feed["items"]:
                applied += await self._apply(event)
            # The feed may resume past the last item (events of types we don't handle).
            last_applied = int(feed["items"][-1]["position"]) if feed["items"] else after
            if int(feed["next_cursor"]) > last_applied:
                await self._advance(int(feed["next_cursor"]))
            if not feed["has_more"]:
                return applied

    async def _apply(self, event: Event) -> int:
        handler = self.handlers.get(event["type"])
        async with self.database.sessionmaker() as session:
            tables = platform_of(session)
            seen = await session.scalar(
                select(tables.consumed_event.c.event_id).where(
                    tables.consumed_event.c.producer == self.producer,
                    tables.consumed_event.c.event_id == _uuid(event["id"]),
                )
            )
            applied = 0
            if seen is None and handler is not None:
                outcome = await handler(session, event)
                await session.execute(
                    insert(tables.consumed_event).values(
                        producer=self.producer,
                        event_id=_uuid(event["id"]),
                        consumed_at=utcnow(),
                        outcome=outcome,
                    )
                )
                applied = 1
            await self._store_position(session, tables, int(event["position"]))
            await session.commit()
        return applied

    async def _advance(self, position: int) -> None:
        async with self.database.sessionmaker() as session:
            await self._store_position(session, platform_of(session), position)
            await session.commit()

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
            except Exception as exc:
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
