"""Journal queries, written once for the three journals: each takes the entry model, and an
entry is always loaded with its child rows (ratings, practices) in one extra statement. The
few lookups one kind needs (a partner's markers, a map's strategies) close the module."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, exists, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from projects_service.journals.models import JournalEntryMixin, JournalStatus
from projects_service.outcome_maps.models import (
    BoundaryPartner,
    OutcomeMap,
    ProgressMarker,
    Strategy,
)

E = TypeVar("E", bound=JournalEntryMixin)


def _with_children(model: type[JournalEntryMixin]) -> list[LoaderOption]:
    """Every child collection of the entry (none for the strategy journal), one statement each
    for a whole page."""
    return [selectinload(getattr(model, rel.key)) for rel in inspect(model).relationships]


async def get_entry(
    session: AsyncSession, model: type[E], project_id: uuid.UUID, entry_id: uuid.UUID
) -> E | None:
    statement = (
        select(model)
        .where(model.id == entry_id, model.project_id == project_id)
        .options(*_with_children(model))
        # Child rows may have been replaced in this session: reload them.
        .execution_options(populate_existing=True)
    )
    entry: E | None = await session.scalar(statement)
    return entry


async def get_by_id(session: AsyncSession, model: type[E], entry_id: uuid.UUID) -> E | None:
    return await session.get(model, entry_id)


def list_statement(
    model: type[E],
    project_id: uuid.UUID,
    *,
    status: JournalStatus | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
    equals: Mapping[str, uuid.UUID | None],
) -> Select[E]:
    """A project's entries; `equals` filters on the kind's own id columns (None: no filter)."""
    statement = select(model).where(model.project_id == project_id)
    for column, value in equals.items():
        if value is not None:
            statement = statement.where(getattr(model, column) == value)
    if status is not None:
        statement = statement.where(model.status == status)
    if period_from is not None:
        statement = statement.where(model.period_end >= period_from)
    if period_to is not None:
        statement = statement.where(model.period_start <= period_to)
    return statement.options(*_with_children(model))


async def overlaps(
    session: AsyncSession,
    model: type[E],
    *,
    scope: tuple[str, uuid.UUID],
    period_start: dt.date,
    period_end: dt.date,
    exclude: Sequence[uuid.UUID],
) -> bool:
    """Another live entry of this journal whose `scope` column has this value, overlapping the
    period? Amended entries were replaced, so they no longer hold their period."""
    column, value = scope
    statement = select(
        exists().where(
            getattr(model, column) == value,
            model.status != JournalStatus.amended,
            model.id.not_in(list(exclude) or [uuid.UUID(int=0)]),
            model.period_start <= period_end,
            model.period_end >= period_start,
        )
    )
    return bool(await session.scalar(statement))


async def replace_children(
    session: AsyncSession, child_model: type[Any], entry_id: uuid.UUID, rows: Sequence[Any]
) -> None:
    # Row by row (not a bulk DELETE) so each removed row is audited like any other write.
    existing = (
        await session.scalars(select(child_model).where(child_model.entry_id == entry_id))
    ).all()
    for row in existing:
        await session.delete(row)
    await session.flush()
    session.add_all(rows)


async def get_outcome_map(session: AsyncSession, map_id: uuid.UUID) -> OutcomeMap | None:
    return await session.get(OutcomeMap, map_id)


async def get_partner(session: AsyncSession, partner_id: uuid.UUID) -> BoundaryPartner | None:
    return await session.get(BoundaryPartner, partner_id)


async def markers_of_partner(
    session: AsyncSession, partner_id: uuid.UUID
) -> dict[uuid.UUID, ProgressMarker]:
    statement = select(ProgressMarker).where(ProgressMarker.boundary_partner_id == partner_id)
    return {marker.id: marker for marker in (await session.scalars(statement)).all()}


async def strategies_in_map(
    session: AsyncSession, map_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of `ids` are strategies of this map version."""
    statement = select(Strategy.id).where(Strategy.outcome_map_id == map_id, Strategy.id.in_(ids))
    return set((await session.scalars(statement)).all())


async def agreed_versions(session: AsyncSession, project_id: uuid.UUID) -> list[OutcomeMap]:
    """The project's map versions that have been agreed (current and superseded), in the order
    they were agreed."""
    statement = (
        select(OutcomeMap)
        .where(OutcomeMap.project_id == project_id, OutcomeMap.agreed_at.is_not(None))
        .order_by(OutcomeMap.agreed_at, OutcomeMap.map_version)
    )
    return list((await session.scalars(statement)).all())


async def partners_of_lineage(
    session: AsyncSession, lineage_id: uuid.UUID, map_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """The partner of this lineage in each of `map_ids` that has one: map id → partner id."""
    statement = select(BoundaryPartner.outcome_map_id, BoundaryPartner.id).where(
        BoundaryPartner.lineage_id == lineage_id, BoundaryPartner.outcome_map_id.in_(map_ids)
    )
    return {row.outcome_map_id: row.id for row in (await session.execute(statement)).all()}
