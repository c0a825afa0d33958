from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from projects_service.journals.models import JournalStatus, MarkerRating, OutcomeJournalEntry
from projects_service.outcome_maps.models import ProgressMarker


async def get(
    session: AsyncSession, project_id: uuid.UUID, entry_id: uuid.UUID
) -> OutcomeJournalEntry | None:
    statement = (
        select(OutcomeJournalEntry)
        .where(OutcomeJournalEntry.id == entry_id, OutcomeJournalEntry.project_id == project_id)
        .options(selectinload(OutcomeJournalEntry.ratings))
        .execution_options(populate_existing=True)
    )
    return await session.scalar(statement)


def list_statement(
    project_id: uuid.UUID,
    *,
    boundary_partner_id: uuid.UUID | None,
    partner_lineage_id: uuid.UUID | None,
    status: JournalStatus | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
) -> Select[OutcomeJournalEntry]:
    statement = (
        select(OutcomeJournalEntry)
        .where(OutcomeJournalEntry.project_id == project_id)
        # One extra statement for all ratings of the page, whatever its size.
        .options(selectinload(OutcomeJournalEntry.ratings))
    )
    if boundary_partner_id is not None:
        statement = statement.where(OutcomeJournalEntry.boundary_partner_id == boundary_partner_id)
    if partner_lineage_id is not None:
        statement = statement.where(OutcomeJournalEntry.partner_lineage_id == partner_lineage_id)
    if status is not None:
        statement = statement.where(OutcomeJournalEntry.status == status)
    if period_from is not None:
        statement = statement.where(OutcomeJournalEntry.period_end >= period_from)
    if period_to is not None:
        statement = statement.where(OutcomeJournalEntry.period_start <= period_to)
    return statement


async def overlaps(
    session: AsyncSession,
    *,
    partner_lineage_id: uuid.UUID,
    period_start: dt.date,
    period_end: dt.date,
    exclude: Sequence[uuid.UUID],
) -> bool:
    """Another live entry for the same partner (across map versions) overlapping the period?"""
    statement = select(
        exists().where(
            OutcomeJournalEntry.partner_lineage_id == partner_lineage_id,
            OutcomeJournalEntry.status != JournalStatus.amended,
            OutcomeJournalEntry.id.not_in(list(exclude) or [uuid.UUID(int=0)]),
            OutcomeJournalEntry.period_start <= period_end,
            OutcomeJournalEntry.period_end >= period_start,
        )
    )
    return bool(await session.scalar(statement))


async def markers_of_partner(
    session: AsyncSession, partner_id: uuid.UUID
) -> dict[uuid.UUID, ProgressMarker]:
    statement = select(ProgressMarker).where(ProgressMarker.boundary_partner_id == partner_id)
    return {marker.id: marker for marker in (await session.scalars(statement)).all()}


async def replace_ratings(
    session: AsyncSession, entry_id: uuid.UUID, ratings: Sequence[MarkerRating]
) -> None:
    # Row by row (not a bulk DELETE) so each removed rating is audited like any other write.
    existing = (
        await session.scalars(select(MarkerRating).where(MarkerRating.entry_id == entry_id))
    ).all()
    for rating in existing:
        await session.delete(rating)
    await session.flush()
    session.add_all(ratings)


__all__ = ["get", "list_statement", "markers_of_partner", "overlaps", "replace_ratings"]
