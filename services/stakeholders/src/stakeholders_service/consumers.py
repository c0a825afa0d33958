"""What this service does with other services' events (DOMAIN A4). Each handler runs in the
consumer's transaction, is idempotent, and returns a short note instead of raising for events
that do not fit: one odd event must never stall the feed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.consumer import ConsumerSpec, Event
from stakeholders_service.stakeholders import orphans


def _data(event: Event) -> dict[str, Any]:
    data = event.get("data")
    return dict(data) if isinstance(data, dict) else {}


async def on_team_role_ended(session: AsyncSession, event: Event) -> str:
    return await orphans.orphan_on_role_end(session, _data(event))


CONSUMERS = (
    ConsumerSpec(producer="projects", handlers={"team_membership.role_ended": on_team_role_ended}),
)
