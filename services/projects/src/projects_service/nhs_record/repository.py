"""NHS innovation records: queries (by innovation, by project, and the milestones mapped)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.milestones.models import Milestone
from projects_service.nhs_record.models import NhsRecordDocument


async def by_innovation(
    session: AsyncSession, innovation_id: uuid.UUID
) -> NhsRecordDocument | None:
    statement = select(NhsRecordDocument).where(NhsRecordDocument.innovation_id == innovation_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def by_project(session: AsyncSession, project_id: uuid.UUID) -> NhsRecordDocument | None:
    statement = select(NhsRecordDocument).where(NhsRecordDocument.project_id == project_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def adoption_milestones(
    session: AsyncSession, project_id: uuid.UUID, codes: tuple[str, ...]
) -> dict[str, Milestone]:
    """The project's milestones tracking these catalogue codes, by code."""
    statement = select(Milestone).where(
        Milestone.project_id == project_id, Milestone.adoption_code.in_(codes)
    )
    rows = (await session.execute(statement)).scalars()
    return {row.adoption_code: row for row in rows if row.adoption_code is not None}


def add(session: AsyncSession, entity: object) -> None:
    session.add(entity)
