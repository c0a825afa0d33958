"""Performance journals: the queries (entries with their practice rows)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from projects_service.journals import repository as journals
from projects_service.journals.models import JournalStatus
from projects_service.performance_journals.models import (
    PerformanceJournalEntry,
    PracticeJournalEntry,
)

WITH_PRACTICES = selectinload(PerformanceJournalEntry.practice_entries)


async def get(
    session: AsyncSession, project_id: uuid.UUID, entry_id: uuid.UUID
) -> PerformanceJournalEntry | None:
    return await journals.get_entry(
        session, PerformanceJournalEntry, project_id, entry_id, WITH_PRACTICES
    )


async def replace_practice_entries(
    session: AsyncSession, entry_id: uuid.UUID, rows: Sequence[PracticeJournalEntry]
) -> None:
    # Row by row (not a bulk DELETE) so each removed row is audited like any other write.
    existing = (
        await session.scalars(
            select(PracticeJournalEntry).where(PracticeJournalEntry.entry_id == entry_id)
        )
    ).all()
    for row in existing:
        await session.delete(row)
    await session.flush()
    session.add_all(rows)


def list_statement(
    project_id: uuid.UUID,
    *,
    outcome_map_id: uuid.UUID | None,
    status: JournalStatus | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
) -> Select[PerformanceJournalEntry]:
    return journals.list_statement(
        PerformanceJournalEntry,
        project_id,
        outcome_map_id=outcome_map_id,
        status=status,
        period_from=period_from,
        period_to=period_to,
    ).options(
        # One extra statement for the practice rows of the whole page, whatever its size.
        WITH_PRACTICES
    )
