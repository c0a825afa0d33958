"""Queries of theory-of-change versions; no rules, no commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from assessment_service.evaluation.models import TheoryOfChangeVersion
from assessment_service.evaluation.repository import children

# What each read of a version loads with it (relationships are lazy="raise": no N+1).
TOC_LOAD: tuple[ORMOption, ...] = (selectinload(TheoryOfChangeVersion.adaptation_links),)


def versions(evaluation_id: uuid.UUID) -> Select[Any]:
    return children(TheoryOfChangeVersion, evaluation_id, *TOC_LOAD)


async def last_number(session: AsyncSession, evaluation_id: uuid.UUID) -> int:
    value = await session.scalar(
        select(func.max(TheoryOfChangeVersion.number)).where(
            TheoryOfChangeVersion.evaluation_id == evaluation_id
        )
    )
    return int(value or 0)
