"""Aggregates: the queries of one project's engagement picture at a date (`project-engagement`).

The stakeholder map is a window picking each stakeholder's latest snapshot at `as_of` (among
those recorded by then), with quadrant, salience and gap as the mapping repository's SQL
`CASE`s built from `mapping/rules.py`, grouped here; engagements, feedback and involvement are
grouped by the database too. Only the one latest standards self-assessment comes back as a row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    bindparam,
    distinct,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from stakeholders_service.engagements.models import (
    Engagement,
    EngagementProject,
    EngagementStatus,
    EngagementType,
    FeedbackItem,
    FeedbackStatus,
    Participation,
)
from stakeholders_service.involvement.models import (
    AssessmentScope,
    InvolvementRole,
    InvolvementRoleType,
    StandardsSelfAssessment,
)
from stakeholders_service.mapping.models import StakeholderAssessment
from stakeholders_service.mapping.repository import gap_sql, quadrant_sql, salience_sql
from stakeholders_service.sql import seconds_between
from stakeholders_service.stakeholders.models import Stakeholder
from stakeholders_service.vocabulary import Iap2Level

E, EP, F, P, IR = Engagement, EngagementProject, FeedbackItem, Participation, InvolvementRole
S, A = StandardsSelfAssessment, StakeholderAssessment


@dataclass(frozen=True)
class ProjectScope:
    """One project, as recorded by `as_of`, over the period `start`..`as_of`."""

    project_id: uuid.UUID
    as_of: dt.datetime
    start: dt.datetime | None
    dialect: str


async def map_counts(
    session: AsyncSession, scope: ProjectScope, threshold: int
) -> Sequence[Row[*tuple[Any, ...]]]:
    """(quadrant, salience class, current level, target level, gap, stakeholders) per group.
    The window only sees snapshots recorded by `as_of` (a back-dated snapshot entered later
    does not change an earlier answer)."""
    ranked = (
        select(
            A.power,
            A.interest,
            A.legitimacy,
            A.urgency,
            A.current_level,
            A.target_level,
            func.row_number()
            .over(partition_by=A.stakeholder_id, order_by=(A.assessed_at.desc(), A.id.desc()))
            .label("rank"),
        )
        .where(
            A.project_id == scope.project_id,
            A.assessed_at <= scope.as_of,
            A.created_at <= scope.as_of,
        )
        .subquery("ranked")
    )
    r = ranked.c
    t: BindParameter[int] = bindparam("threshold", threshold)
    keys = (
        quadrant_sql(r.power, r.interest, t).label("quadrant"),
        salience_sql(r.power, r.legitimacy, r.urgency, t).label("salience"),
        r.current_level,
        r.target_level,
        gap_sql(r.current_level, r.target_level).label("gap"),
    )
    latest = select(*keys).where(r.rank == 1).subquery("latest").c
    groups = (
        latest.quadrant,
        latest.salience,
        latest.current_level,
        latest.target_level,
        latest.gap,
    )
    statement = select(*groups, func.count()).group_by(*groups)
    return (await session.execute(statement)).all()


def _engagements(scope: ProjectScope) -> list[ColumnElement[bool]]:
    """The project's engagements the period counts (status as it is now: see `repository`)."""
    conditions = [
        E.id.in_(select(EP.engagement_id).where(EP.project_id == scope.project_id)),
        E.created_at <= scope.as_of,
        E.held_at <= scope.as_of,
        E.status != EngagementStatus.cancelled,
    ]
    if scope.start is not None:
        conditions.append(E.held_at >= scope.start)
    return conditions


async def engagement_counts(
    session: AsyncSession, scope: ProjectScope
) -> Sequence[Row[Iap2Level, EngagementType, EngagementStatus, int, int]]:
    """(IAP2 level, type, status, engagements, anonymous attendees) per group."""
    statement = (
        select(
            E.iap2_level,
            E.type,
            E.status,
            func.count(),
            func.coalesce(func.sum(E.anonymous_attendee_count), 0),
        )
        .where(*_engagements(scope))
        .group_by(E.iap2_level, E.type, E.status)
    )
    return (await session.execute(statement)).all()


async def attended_people(session: AsyncSession, scope: ProjectScope) -> int:
    """Distinct stakeholders recorded by `as_of` as having attended an engagement counted."""
    statement = select(func.count(distinct(P.stakeholder_id))).where(
        P.attended,
        P.created_at <= scope.as_of,
        P.engagement_id.in_(select(E.id).where(*_engagements(scope))),
    )
    return int(await session.scalar(statement) or 0)


def _feedback(scope: ProjectScope) -> list[ColumnElement[bool]]:
    return [
        F.created_at <= scope.as_of,
        F.engagement_id.in_(select(E.id).where(*_engagements(scope))),
    ]


async def feedback_counts(session: AsyncSession, scope: ProjectScope) -> tuple[int, int, int]:
    """(items, responded by `as_of`, closed by `as_of`) of the feedback at the engagements."""
    statement = select(
        func.count(),
        func.count().filter(F.responded_at <= scope.as_of),
        func.count().filter(F.status == FeedbackStatus.closed, F.closed_at <= scope.as_of),
    ).where(*_feedback(scope))
    items, responded, closed = (await session.execute(statement)).one()
    return int(items), int(responded), int(closed)


async def middle_responses(
    session: AsyncSession, scope: ProjectScope, responded: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(created_at, responded_at) of the one or two responses in the middle of `responded`,
    ordered by time to response: the median is theirs (the mean of two)."""
    if responded == 0:
        return []
    statement = (
        select(F.created_at, F.responded_at)
        .where(F.responded_at <= scope.as_of, *_feedback(scope))
        .order_by(seconds_between(F.created_at, F.responded_at), F.id)
        .offset((responded - 1) // 2)
        .limit(2 - responded % 2)
    )
    return [(row[0], row[1]) for row in (await session.execute(statement)).all() if row[1]]


def _roles(scope: ProjectScope) -> list[ColumnElement[bool]]:
    """The project's involvement roles recorded by `as_of`, held at some time in the period."""
    conditions = [
        IR.project_id == scope.project_id,
        IR.created_at <= scope.as_of,
        IR.start_date <= scope.as_of.date(),
    ]
    if scope.start is not None:
        conditions.append(or_(IR.end_date.is_(None), IR.end_date >= scope.start.date()))
    return conditions


async def contributors(session: AsyncSession, scope: ProjectScope) -> int:
    statement = select(func.count(distinct(IR.stakeholder_id))).where(*_roles(scope))
    return int(await session.scalar(statement) or 0)


async def people_by_role(
    session: AsyncSession, scope: ProjectScope
) -> Sequence[Row[InvolvementRoleType, int]]:
    """(role, distinct people holding it)."""
    statement = (
        select(IR.role, func.count(distinct(IR.stakeholder_id)))
        .where(*_roles(scope))
        .group_by(IR.role)
    )
    return (await session.execute(statement)).all()


def _stage_elements(dialect: str) -> Any:
    """The `stages` JSON list of each role as rows (`value`), per dialect."""
    if dialect == "postgresql":
        return func.jsonb_array_elements_text(IR.stages).table_valued("value").alias("stage")
    return func.json_each(IR.stages).table_valued("value").alias("stage")


async def people_by_stage(session: AsyncSession, scope: ProjectScope) -> Sequence[Row[str, int]]:
    """(stage, distinct people involved at it)."""
    stage = _stage_elements(scope.dialect)
    statement = (
        select(stage.c.value, func.count(distinct(IR.stakeholder_id)))
        .select_from(IR)
        .join(stage, literal(True))
        .where(*_roles(scope))
        .group_by(stage.c.value)
    )
    return (await session.execute(statement)).all()


async def latest_standards(
    session: AsyncSession, scope: ProjectScope
) -> StandardsSelfAssessment | None:
    """The project's latest UK Standards self-assessment recorded by `as_of` (latest period,
    then latest recorded)."""
    statement = (
        select(S)
        .where(
            S.scope == AssessmentScope.project,
            S.project_id == scope.project_id,
            S.created_at <= scope.as_of,
        )
        .order_by(S.period.desc(), S.created_at.desc(), S.id.desc())
        .limit(1)
    )
    latest: StandardsSelfAssessment | None = await session.scalar(statement)
    return latest


async def contributor_levels(session: AsyncSession, scope: ProjectScope) -> Sequence[Row[str, int]]:
    """(current IAP2 level, public contributors) over each public contributor's latest snapshot
    of the project at `as_of`. Being a contributor is a fact of the stakeholder (as it is now),
    so the contributors are chosen before the window ranks their snapshots."""
    ranked = (
        select(
            A.current_level,
            func.row_number()
            .over(partition_by=A.stakeholder_id, order_by=(A.assessed_at.desc(), A.id.desc()))
            .label("rank"),
        )
        .join(Stakeholder, Stakeholder.id == A.stakeholder_id)
        .where(
            Stakeholder.is_public_contributor,
            A.project_id == scope.project_id,
            A.assessed_at <= scope.as_of,
            A.created_at <= scope.as_of,
        )
        .subquery("ranked")
    ).c
    statement = (
        select(ranked.current_level, func.count())
        .where(ranked.rank == 1)
        .group_by(ranked.current_level)
    )
    return (await session.execute(statement)).all()


async def rating_pairs(
    session: AsyncSession, scope: ProjectScope
) -> Sequence[Row[*tuple[Any, ...]]]:
    """(latest quality, latest trust, previous quality, previous trust, stakeholders) per group:
    each stakeholder's latest snapshot of the project at `as_of` beside the one before it (null
    when there is none), among the snapshots recorded by `as_of`, ordered as `map_counts`."""
    ranked = select(
        A.stakeholder_id,
        A.relationship_quality,
        A.trust,
        func.row_number()
        .over(partition_by=A.stakeholder_id, order_by=(A.assessed_at.desc(), A.id.desc()))
        .label("rank"),
    ).where(
        A.project_id == scope.project_id,
        A.assessed_at <= scope.as_of,
        A.created_at <= scope.as_of,
    )
    # The same ranking twice (latest: rank 1; previous: rank 2), joined per stakeholder.
    latest = ranked.subquery("latest")
    previous = ranked.subquery("previous")
    groups = (
        latest.c.relationship_quality,
        latest.c.trust,
        previous.c.relationship_quality,
        previous.c.trust,
    )
    statement = (
        select(*groups, func.count())
        .select_from(latest)
        .outerjoin(
            previous,
            (previous.c.stakeholder_id == latest.c.stakeholder_id) & (previous.c.rank == 2),
        )
        .where(latest.c.rank == 1)
        .group_by(*groups)
    )
    return (await session.execute(statement)).all()
