"""Strategy journal rules (OM step 10): strategies must be strategy-map entries of the entry's
agreed map version; periods are exclusive per project (its outcome map across versions). The
lifecycle is `journals.lifecycle`. Functions flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals import lifecycle
from projects_service.journals.errors import StrategyNotInMap
from projects_service.outcome_maps.models import Strategy
from projects_service.projects.models import Project
from projects_service.strategy_journals.models import StrategyJournalEntry
from projects_service.strategy_journals.schemas import (
    StrategyJournalEntryCreate,
    StrategyJournalEntryPatch,
)
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError

_TEXT_FIELDS = (
    "activities_implemented",
    "effectiveness",
    "outputs",
    "required_follow_up",
    "lessons",
    "programme_response",
    "contributors",
)


async def _strategy_ids(
    session: AsyncSession, map_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> list[str]:
    """The ids as stored (strings, first mention kept), or 422 naming each stranger."""
    wanted = list(dict.fromkeys(ids))
    found = set(
        (
            await session.scalars(
                select(Strategy.id).where(
                    Strategy.outcome_map_id == map_id, Strategy.id.in_(wanted)
                )
            )
        ).all()
    )
    errors = [
        FieldError(
            pointer=f"/strategy_ids/{index}",
            location="body",
            detail="Not a strategy of this map version.",
        )
        for index, strategy_id in enumerate(ids)
        if strategy_id not in found
    ]
    if errors:
        raise StrategyNotInMap("Some strategies are not in the entry's map.", errors=errors)
    return [str(strategy_id) for strategy_id in wanted]


def _scope(entry: StrategyJournalEntry) -> lifecycle.Scope:
    return StrategyJournalEntry.project_id == entry.project_id


async def create_entry(
    session: AsyncSession, project: Project, *, data: StrategyJournalEntryCreate, actor: str
) -> StrategyJournalEntry:
    outcome_map = await lifecycle.agreed_map_of(session, project, data.outcome_map_id)
    if data.amends_id is not None:
        await lifecycle.amendable_original(
            session, StrategyJournalEntry, project.id, data.amends_id
        )
    entry = StrategyJournalEntry(
        project_id=project.id,
        outcome_map_id=outcome_map.id,
        period_start=data.period_start,
        period_end=data.period_end,
        amends_id=data.amends_id,
        created_by=actor,
        strategy_ids=await _strategy_ids(session, outcome_map.id, data.strategy_ids),
        **data.model_dump(include=set(_TEXT_FIELDS)),
    )
    session.add(entry)
    await session.flush()
    await lifecycle.check_overlap(
        session, entry, scope=_scope(entry), scope_label="The outcome map"
    )
    return entry


async def update_entry(
    session: AsyncSession, entry: StrategyJournalEntry, *, patch: StrategyJournalEntryPatch
) -> StrategyJournalEntry:
    lifecycle.ensure_draft(entry)
    changes = merge_patch_changes(
        patch, required=(*_TEXT_FIELDS, "period_start", "period_end", "strategy_ids")
    )
    if "strategy_ids" in changes:
        changes["strategy_ids"] = await _strategy_ids(
            session, entry.outcome_map_id, patch.strategy_ids or []
        )
    apply_changes(entry, changes)
    lifecycle.check_period(entry.period_start, entry.period_end)
    if "period_start" in changes or "period_end" in changes:
        await lifecycle.check_overlap(
            session, entry, scope=_scope(entry), scope_label="The outcome map"
        )
    await session.flush()
    return entry


async def submit_entry(session: AsyncSession, entry: StrategyJournalEntry) -> StrategyJournalEntry:
    return await lifecycle.submit(session, entry, data={"strategy_ids": entry.strategy_ids})


async def review_entry(
    session: AsyncSession, entry: StrategyJournalEntry, *, reviewer: str
) -> StrategyJournalEntry:
    return await lifecycle.review(session, entry, reviewer=reviewer)
