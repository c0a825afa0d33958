"""Mapping: the queries (snapshots, snapshots up to a date, trends)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from stakeholders_service.mapping.models import StakeholderAssessment
from stakeholders_service.stakeholders.models import Stakeholder, StakeholderCategory


def list_statement(
    *, stakeholder_id: uuid.UUID, project_id: uuid.UUID | None
) -> Select[StakeholderAssessment]:
    statement = select(StakeholderAssessment).where(
        StakeholderAssessment.stakeholder_id == stakeholder_id
    )
    if project_id is not None:
        statement = statement.where(StakeholderAssessment.project_id == project_id)
    return statement


async def snapshots_until(
    session: AsyncSession, *, project_id: uuid.UUID, as_of: dt.datetime
) -> list[tuple[StakeholderAssessment, StakeholderCategory]]:
    """Every snapshot of the project up to `as_of`, newest first per stakeholder."""
    rows = await session.execute(
        select(StakeholderAssessment, Stakeholder.category)
        .join(Stakeholder, Stakeholder.id == StakeholderAssessment.stakeholder_id)
        .where(
            StakeholderAssessment.project_id == project_id,
            StakeholderAssessment.assessed_at <= as_of,
        )
        .order_by(
            StakeholderAssessment.stakeholder_id,
            StakeholderAssessment.assessed_at.desc(),
            StakeholderAssessment.id.desc(),
        )
    )
    return [(row[0], row[1]) for row in rows]


async def for_trends(
    session: AsyncSession,
    *,
    project_id: uuid.UUID,
    stakeholder_id: uuid.UUID | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> list[StakeholderAssessment]:
    statement = select(StakeholderAssessment).where(StakeholderAssessment.project_id == project_id)
    if stakeholder_id is not None:
        statement = statement.where(StakeholderAssessment.stakeholder_id == stakeholder_id)
    if since is not None:
        statement = statement.where(StakeholderAssessment.assessed_at >= since)
    if until is not None:
        statement = statement.where(StakeholderAssessment.assessed_at <= until)
    return list(await session.scalars(statement.order_by(StakeholderAssessment.assessed_at)))
