"""Engagements: the queries (engagements, participations, feedback, plan items)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from stakeholders_service.engagements.models import (
    Engagement,
    EngagementPlanItem,
    EngagementStatus,
    EngagementType,
    FeedbackItem,
    Participation,
)
from stakeholders_service.vocabulary import Iap2Level


async def get(session: AsyncSession, engagement_id: uuid.UUID) -> Engagement | None:
    return await session.get(Engagement, engagement_id)


def list_statement(
    *,
    status: EngagementStatus | None,
    type_: EngagementType | None,
    iap2_level: Iap2Level | None,
    held_from: dt.datetime | None,
    held_to: dt.datetime | None,
) -> Select[Engagement]:
    statement = select(Engagement)
    for column, value in (
        (Engagement.status, status),
        (Engagement.type, type_),
        (Engagement.iap2_level, iap2_level),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if held_from is not None:
        statement = statement.where(Engagement.held_at >= held_from)
    if held_to is not None:
        statement = statement.where(Engagement.held_at <= held_to)
    return statement


async def engagements_of_project(
    session: AsyncSession,
    project_id: uuid.UUID | None,
    *,
    held_from: dt.datetime | None = None,
    held_to: dt.datetime | None = None,
) -> list[Engagement]:
    """Engagements touching `project_id` (all when None). `project_ids` is a JSON list, which
    the two backends query differently, so the project filter is applied here."""
    statement = list_statement(
        status=None, type_=None, iap2_level=None, held_from=held_from, held_to=held_to
    )
    rows = list(await session.scalars(statement.order_by(Engagement.held_at)))
    if project_id is None:
        return rows
    return [e for e in rows if str(project_id) in e.project_ids]


async def participations_of(
    session: AsyncSession, engagement_ids: list[uuid.UUID]
) -> list[Participation]:
    if not engagement_ids:
        return []
    statement = select(Participation).where(Participation.engagement_id.in_(engagement_ids))
    return list(await session.scalars(statement))


async def feedback_of(session: AsyncSession, engagement_ids: list[uuid.UUID]) -> list[FeedbackItem]:
    if not engagement_ids:
        return []
    statement = select(FeedbackItem).where(FeedbackItem.engagement_id.in_(engagement_ids))
    return list(await session.scalars(statement))


async def get_feedback(session: AsyncSession, feedback_id: uuid.UUID) -> FeedbackItem | None:
    return await session.get(FeedbackItem, feedback_id)


async def find_participation(
    session: AsyncSession, engagement_id: uuid.UUID, stakeholder_id: uuid.UUID
) -> Participation | None:
    return await session.scalar(
        select(Participation).where(
            Participation.engagement_id == engagement_id,
            Participation.stakeholder_id == stakeholder_id,
        )
    )


def participations_statement(engagement_id: uuid.UUID) -> Select[Participation]:
    return select(Participation).where(Participation.engagement_id == engagement_id)


def feedback_statement(engagement_id: uuid.UUID, status: object | None) -> Select[FeedbackItem]:
    statement = select(FeedbackItem).where(FeedbackItem.engagement_id == engagement_id)
    if status is not None:
        statement = statement.where(FeedbackItem.status == status)
    return statement


def plan_statement(project_id: uuid.UUID | None) -> Select[EngagementPlanItem]:
    statement = select(EngagementPlanItem)
    if project_id is not None:
        statement = statement.where(EngagementPlanItem.project_id == project_id)
    return statement
