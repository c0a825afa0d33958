"""A project's progress-marker attainment per partner, level and journal period, as SQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.insights.repository import live_as_of
from projects_service.journals.models import MarkerRating, OutcomeJournalEntry, Rating
from projects_service.outcome_maps.models import (
    BoundaryPartner,
    MarkerState,
    OutcomeMap,
    ProgressMarker,
)


async def rated_per_period(
    session: AsyncSession, project_id: uuid.UUID, as_of: dt.datetime
) -> Sequence[Any]:
    """(lineage, map, period_start, period_end, level, rated, attained) per outcome journal entry
    in scope at `as_of` (`insights.repository.live_as_of`) and marker level it rated."""
    attained = case((MarkerRating.rating.in_((Rating.medium, Rating.high)), 1), else_=0)
    statement = (
        select(
            OutcomeJournalEntry.partner_lineage_id,
            OutcomeJournalEntry.outcome_map_id,
            OutcomeJournalEntry.period_start,
            OutcomeJournalEntry.period_end,
            MarkerRating.level,
            func.count(MarkerRating.id),
            func.sum(attained),
        )
        .join(MarkerRating, MarkerRating.entry_id == OutcomeJournalEntry.id)
        .where(*live_as_of(OutcomeJournalEntry, project_id, as_of))
        .group_by(
            OutcomeJournalEntry.id,
            OutcomeJournalEntry.partner_lineage_id,
            OutcomeJournalEntry.outcome_map_id,
            OutcomeJournalEntry.period_start,
            OutcomeJournalEntry.period_end,
            MarkerRating.level,
        )
        .order_by(OutcomeJournalEntry.period_start, OutcomeJournalEntry.id)
    )
    rows: Sequence[Any] = (await session.execute(statement)).all()
    return rows


async def active_markers(session: AsyncSession, project_id: uuid.UUID) -> Sequence[Any]:
    """(map, lineage, level, markers): active markers per version, partner and level. The
    markers of an agreed version no longer change, so this needs no `as_of`."""
    statement = (
        select(
            BoundaryPartner.outcome_map_id,
            BoundaryPartner.lineage_id,
            ProgressMarker.level,
            func.count(),
        )
        .join(BoundaryPartner, BoundaryPartner.id == ProgressMarker.boundary_partner_id)
        .join(OutcomeMap, OutcomeMap.id == BoundaryPartner.outcome_map_id)
        .where(OutcomeMap.project_id == project_id, ProgressMarker.state == MarkerState.active)
        .group_by(BoundaryPartner.outcome_map_id, BoundaryPartner.lineage_id, ProgressMarker.level)
    )
    return (await session.execute(statement)).all()


async def partner_names(session: AsyncSession, project_id: uuid.UUID) -> dict[uuid.UUID, str]:
    """Each partner lineage's name in its latest version."""
    statement = (
        select(BoundaryPartner.lineage_id, BoundaryPartner.name)
        .join(OutcomeMap, OutcomeMap.id == BoundaryPartner.outcome_map_id)
        .where(OutcomeMap.project_id == project_id)
        .order_by(OutcomeMap.map_version)
    )
    names: dict[uuid.UUID, str] = {}
    for lineage, name in (await session.execute(statement)).all():
        names[lineage] = name  # later versions overwrite earlier ones
    return names
