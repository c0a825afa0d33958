"""Involvement: the queries (roles, standards self-assessments)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from stakeholders_service.involvement.models import (
    AssessmentScope,
    InvolvementRole,
    StandardsSelfAssessment,
)


def roles_statement(
    *, project_id: uuid.UUID | None, stakeholder_id: uuid.UUID | None
) -> Select[InvolvementRole]:
    statement = select(InvolvementRole)
    if project_id is not None:
        statement = statement.where(InvolvementRole.project_id == project_id)
    if stakeholder_id is not None:
        statement = statement.where(InvolvementRole.stakeholder_id == stakeholder_id)
    return statement


async def roles(session: AsyncSession, *, project_id: uuid.UUID | None) -> list[InvolvementRole]:
    statement = roles_statement(project_id=project_id, stakeholder_id=None)
    return list(await session.scalars(statement))


async def roles_of_stakeholder(
    session: AsyncSession, stakeholder_id: uuid.UUID
) -> list[InvolvementRole]:
    """One person's involvement roles, in creation order (the access export)."""
    statement = roles_statement(project_id=None, stakeholder_id=stakeholder_id)
    return list(await session.scalars(statement.order_by(InvolvementRole.id)))


def standards_statement(
    *, scope: AssessmentScope | None, project_id: uuid.UUID | None
) -> Select[StandardsSelfAssessment]:
    statement = select(StandardsSelfAssessment)
    if scope is not None:
        statement = statement.where(StandardsSelfAssessment.scope == scope)
    if project_id is not None:
        statement = statement.where(StandardsSelfAssessment.project_id == project_id)
    return statement


async def latest_standards(
    session: AsyncSession, *, project_id: uuid.UUID | None
) -> StandardsSelfAssessment | None:
    scope = AssessmentScope.project if project_id else AssessmentScope.centre
    statement = standards_statement(scope=scope, project_id=project_id)
    latest: StandardsSelfAssessment | None = await session.scalar(
        statement.order_by(
            StandardsSelfAssessment.period.desc(), StandardsSelfAssessment.created_at.desc()
        ).limit(1)
    )
    return latest
