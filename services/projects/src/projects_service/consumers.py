"""What this service does with other services' events (DOMAIN A4). Each handler runs in the
consumer's transaction, is idempotent, and returns a short note instead of raising for events
that do not fit: one odd event must never stall the feed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps.partners import service as partner_service
from projects_service.outcome_maps.prompts import service as prompt_service
from projects_service.projects import decisions
from shared.consumer import ConsumerSpec, Event


def _data(event: Event) -> dict[str, Any]:
    data = event.get("data")
    return dict(data) if isinstance(data, dict) else {}


async def on_decision_recorded(session: AsyncSession, event: Event) -> str:
    return await decisions.apply_decision(session, _data(event))


async def on_decision_superseded(session: AsyncSession, event: Event) -> str:
    return await decisions.apply_supersession(session, _data(event))


async def on_adaptation_implemented(session: AsyncSession, event: Event) -> str:
    return await prompt_service.prompt_revision_for_adaptation(session, _data(event))


async def on_stakeholder_erased(session: AsyncSession, event: Event) -> str:
    return await partner_service.remove_erased_stakeholder(session, _data(event))


CONSUMERS = (
    ConsumerSpec(
        producer="assessment",
        handlers={
            "decision.recorded": on_decision_recorded,
            "decision.superseded": on_decision_superseded,
            "adaptation.implemented": on_adaptation_implemented,
        },
    ),
    ConsumerSpec(producer="stakeholders", handlers={"stakeholder.erased": on_stakeholder_erased}),
)
