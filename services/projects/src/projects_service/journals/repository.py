"""Journal queries. The generic ones take the entry model, so the three journals share them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from projects_service.journals.models import (
    JournalEntryMixin,
    JournalStatus,
    MarkerRating,
    OutcomeJournalEntry,
)
from projects_service.outcome_maps.models import ProgressMarker

E = TypeVar("E", bound=JournalEntryMixin)


async def get_entry(
    session: AsyncSession,
    model: type[E],
    project_id: uuid.UUID,
    entry_id: uuid.UUID,
    *options: LoaderOption,
) -> E | None:
    statement = (
        select(model)
        .where(model.id == entry_id, model.project_id == project_id)
        .options(*options)
        # Child rows (ratings, practices) may have been replaced in this session: reload.
        .execution_options(populate_existing=True)
    )
    entry: E | None = await session.scalar(statement)
    return entry


def list_statement(
    model: type[E],
    project_id: uuid.UUID,
    *,
    status: JournalStatus | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
    outcome_map_id: uuid.UUID | None = None,
) -> Select[E]:
    statement = select(model).where(model.project_id == project_id)
    if outcome_map_id is not None:
        statement = statement.where(model.outcome_map_id == outcome_map_id)
    if status is not None:
        statement = statement.where(model.status == status)
    if period_from is not None:
        statement = statement.where(model.period_end >= period_from)
    if period_to is not None:
        statement = statement.where(model.period_start <= period_to)
    return statement


async def overlaps(
    session: AsyncSession,
    model: type[E],
    *,
    scope: ColumnElement[bool],
    period_start: dt.date,
    period_end: dt.date,
    exclude: Sequence[uuid.UUID],
) -> bool:
    """Another live entry of this journal in `scope` overlapping the period? Amended entries
    were replaced, so they no longer hold their period."""
    statement = select(
        exists().where(
            scope,
            model.status != JournalStatus.amended,
            model.id.not_in(list(exclude) or [uuid.UUID(int=0)]),
            model.period_start <= period_end,
            model.period_end >= period_start,
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


def outcome_list_statement(
    project_id: uuid.UUID,
    *,
    boundary_partner_id: uuid.UUID | None,
    partner_lineage_id: uuid.UUID | None,
    status: JournalStatus | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
) -> Select[OutcomeJournalEntry]:
    statement = list_statement(
        OutcomeJournalEntry,
        project_id,
        status=status,
        period_from=period_from,
        period_to=period_to,
    ).options(
        # One extra statement for all ratings of the page, whatever its size.
        selectinload(OutcomeJournalEntry.ratings)
    )
    if boundary_partner_id is not None:
        statement = statement.where(OutcomeJournalEntry.boundary_partner_id == boundary_partner_id)
    if partner_lineage_id is not None:
        statement = statement.where(OutcomeJournalEntry.partner_lineage_id == partner_lineage_id)
    return statement


def outcome_scope(entry: OutcomeJournalEntry) -> ColumnElement[bool]:
    """Outcome journal periods are exclusive per partner, across map versions."""
    return OutcomeJournalEntry.partner_lineage_id == entry.partner_lineage_id


__all__ = [
    "get_entry",
    "list_statement",
    "markers_of_partner",
    "outcome_list_statement",
    "outcome_scope",
    "overlaps",
    "replace_ratings",
]
