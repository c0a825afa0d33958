"""Engagements: the queries (engagements, participations, feedback, plan items).

Per-project reads go through `engagement_project` (the engagement's `project_ids`, one row per
pair), so no read loads engagements to filter them in Python and no statement binds a list of
ids: a set of engagements is always a subquery. The summary is aggregated in the database."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from stakeholders_service.engagements.models import (
    Engagement,
    EngagementPlanItem,
    EngagementProject,
    EngagementStatus,
    EngagementType,
    FeedbackItem,
    FeedbackStatus,
    Participation,
)
from stakeholders_service.sql import seconds_between
from stakeholders_service.vocabulary import Iap2Level


async def get(session: AsyncSession, engagement_id: uuid.UUID) -> Engagement | None:
    return await session.get(Engagement, engagement_id)


async def add_engagement(
    session: AsyncSession, engagement: Engagement, project_ids: Sequence[uuid.UUID]
) -> None:
    """Insert the engagement and its `engagement_project` rows in one flush's transaction."""
    session.add(engagement)
    await session.flush()  # the engagement row first: its project rows reference it
    session.add_all(
        EngagementProject(engagement_id=engagement.id, project_id=project_id)
        for project_id in dict.fromkeys(project_ids)
    )
    await session.flush()


def ids_of_project(project_id: uuid.UUID) -> Select[uuid.UUID]:
    """The ids of the engagements touching `project_id`, as a subquery to filter with."""
    return select(EngagementProject.engagement_id).where(EngagementProject.project_id == project_id)


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
    project_id: uuid.UUID,
    *,
    held_from: dt.datetime | None = None,
    held_to: dt.datetime | None = None,
) -> list[Engagement]:
    """The engagements touching `project_id`, oldest first (one project's: an indexed join)."""
    statement = list_statement(
        status=None, type_=None, iap2_level=None, held_from=held_from, held_to=held_to
    ).where(Engagement.id.in_(ids_of_project(project_id)))
    return list(await session.scalars(statement.order_by(Engagement.held_at, Engagement.id)))


async def feedback_of(
    session: AsyncSession, engagement_ids: Sequence[uuid.UUID]
) -> list[FeedbackItem]:
    """For a handful of engagements the caller holds (one project's, at most)."""
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


# The summary (`GET /engagements/summary`): every figure is counted by the database, over the
# engagements that are not cancelled (of one project, or all). A constant number of statements,
# none binding more than a few parameters, whatever the number of engagements.


def _summarised(project_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    """Conditions on `Engagement` for the engagements the summary counts."""
    conditions = [Engagement.status != EngagementStatus.cancelled]
    if project_id is not None:
        conditions.append(Engagement.id.in_(ids_of_project(project_id)))
    return conditions


def _of_summarised(
    column: InstrumentedAttribute[uuid.UUID], project_id: uuid.UUID | None
) -> ColumnElement[bool]:
    """`column` (an engagement id) names an engagement the summary counts."""
    if project_id is None:
        # All but the cancelled ones: those are few and indexed by status.
        cancelled = select(Engagement.id).where(Engagement.status == EngagementStatus.cancelled)
        return column.not_in(cancelled)
    return column.in_(select(Engagement.id).where(*_summarised(project_id)))


async def engagement_counts(
    session: AsyncSession, project_id: uuid.UUID | None
) -> Sequence[Row[Iap2Level, EngagementType, str, int, int]]:
    """(IAP2 level, type, `YYYY-MM` held, engagements, anonymous attendees) per group: for all
    engagements one pass over `ix_engagement_summary`, which covers it in its order."""
    statement = (
        select(
            Engagement.iap2_level,
            Engagement.type,
            Engagement.held_month,
            func.count(),
            func.coalesce(func.sum(Engagement.anonymous_attendee_count), 0),
        )
        .where(*_summarised(project_id))
        .group_by(Engagement.iap2_level, Engagement.type, Engagement.held_month)
    )
    return (await session.execute(statement)).all()


async def attended_participants(session: AsyncSession, project_id: uuid.UUID | None) -> int:
    """Participations marked attended, at the engagements the summary counts."""
    attended = select(func.count()).select_from(Participation).where(Participation.attended)
    if project_id is None:
        # Every attended participation less those at cancelled engagements: two index reads,
        # where testing each of the table's participations against a set is several times
        # slower.
        at_cancelled = attended.join(Engagement, Engagement.id == Participation.engagement_id)
        at_cancelled = at_cancelled.where(Engagement.status == EngagementStatus.cancelled)
        statement = select(attended.scalar_subquery() - at_cancelled.scalar_subquery())
    else:
        statement = attended.where(_of_summarised(Participation.engagement_id, project_id))
    return int(await session.scalar(statement) or 0)


async def feedback_counts(
    session: AsyncSession, project_id: uuid.UUID | None
) -> tuple[int, int, int]:
    """(items, closed, with a response) of the feedback at the engagements counted."""
    statement = select(
        func.count(),
        func.count().filter(FeedbackItem.status == FeedbackStatus.closed),
        func.count(FeedbackItem.responded_at),
    ).where(_of_summarised(FeedbackItem.engagement_id, project_id))
    row = (await session.execute(statement)).one()
    return int(row[0]), int(row[1]), int(row[2])


async def median_response_times(
    session: AsyncSession, project_id: uuid.UUID | None, responded: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(created_at, responded_at) of the one or two responses in the middle of `responded`
    responses ordered by time to response: the median is theirs (the mean of two)."""
    if responded == 0:
        return []
    statement = (
        select(FeedbackItem.created_at, FeedbackItem.responded_at)
        .where(
            FeedbackItem.responded_at.is_not(None),
            _of_summarised(FeedbackItem.engagement_id, project_id),
        )
        .order_by(seconds_between(FeedbackItem.created_at, FeedbackItem.responded_at))
        .offset((responded - 1) // 2)
        .limit(2 - responded % 2)
    )
    # Not null: the statement asked for responded feedback only.
    return [(row[0], row[1]) for row in (await session.execute(statement)).all() if row[1]]
