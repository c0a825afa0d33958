"""Queries of the learning log; no rules, no commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from assessment_service.evaluation.models import LearningLogEntry, LogSource, SessionEntry
from assessment_service.evaluation.repository import children

# What each read of an entry loads with it (relationships are lazy="raise": no N+1).
LOG_ENTRY_LOAD: tuple[ORMOption, ...] = (
    selectinload(LearningLogEntry.review_links),
    selectinload(LearningLogEntry.corrections),
)


def entries(
    evaluation_id: uuid.UUID,
    *,
    source: LogSource | None,
    contains_personal_data: bool | None,
    corrects_id: uuid.UUID | None,
) -> Select[Any]:
    return children(
        LearningLogEntry,
        evaluation_id,
        *LOG_ENTRY_LOAD,
        source=source,
        contains_personal_data=contains_personal_data,
        corrects_id=corrects_id,
    )


async def is_reviewed(session: AsyncSession, log_entry_id: uuid.UUID) -> bool:
    found = await session.scalar(
        select(SessionEntry.session_id).where(SessionEntry.log_entry_id == log_entry_id).limit(1)
    )
    return found is not None
