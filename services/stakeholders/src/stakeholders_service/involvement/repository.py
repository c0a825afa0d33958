"""Involvement: the queries (roles, standards self-assessments, GRIPP2 reports, PLUS reach)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from stakeholders_service.engagements.models import Engagement, EngagementStatus, Participation
from stakeholders_service.engagements.repository import ids_of_project
from stakeholders_service.involvement.models import (
    AssessmentScope,
    Gripp2Report,
    InvolvementRole,
    StandardsSelfAssessment,
)
from stakeholders_service.stakeholders.models import Stakeholder


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


def gripp2_reports_statement(*, project_id: uuid.UUID | None) -> Select[Gripp2Report]:
    statement = select(Gripp2Report)
    if project_id is not None:
        statement = statement.where(Gripp2Report.project_id == project_id)
    return statement


async def gripp2_report(session: AsyncSession, report_id: uuid.UUID) -> Gripp2Report | None:
    return await session.get(Gripp2Report, report_id)


async def plus_codes_of_participants(
    session: AsyncSession,
    *,
    project_id: uuid.UUID | None,
    engagement_id: uuid.UUID | None,
) -> dict[uuid.UUID, list[str]]:
    """Each distinct person who attended an engagement in scope (one engagement, one project's,
    or all but cancelled ones) with their under-served group codes; one row per attendance,
    folded per person here (DISTINCT over a JSON column has no equality operator on PostgreSQL)."""
    statement = (
        select(Stakeholder.id, Stakeholder.under_served_group_codes)
        .join(Participation, Participation.stakeholder_id == Stakeholder.id)
        .join(Engagement, Engagement.id == Participation.engagement_id)
        .where(Participation.attended.is_(True))
        .where(Engagement.status != EngagementStatus.cancelled)
    )
    if engagement_id is not None:
        statement = statement.where(Participation.engagement_id == engagement_id)
    elif project_id is not None:
        statement = statement.where(Participation.engagement_id.in_(ids_of_project(project_id)))
    return {row[0]: list(row[1] or []) for row in await session.execute(statement)}
