"""Webhooks: the change-feed consumers that fan events out (one per upstream feed)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from integrations_service.webhooks import service
from integrations_service.webhooks.catalog import EVENT_TYPES_BY_PRODUCER
from shared.consumer import ConsumerSpec, Event, EventHandler


def _fan_out(producer: str) -> EventHandler:
    async def handle(session: AsyncSession, event: Event) -> str | None:
        return await service.fan_out(session, producer=producer, event=event)

    return handle


def consumers(producers: tuple[str, ...]) -> list[ConsumerSpec]:
    """Every type a producer publishes goes to the fan-out (endpoints match it there)."""
    return [
        ConsumerSpec(
            producer=producer,
            handlers=dict.fromkeys(EVENT_TYPES_BY_PRODUCER[producer], _fan_out(producer)),
        )
        for producer in producers
    ]
