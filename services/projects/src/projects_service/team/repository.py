"""Team: the queries (memberships, active members, overlapping roles)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.team.models import TeamMembership


def add(session: AsyncSession, entity: object) -> None:
    session.add(entity)


def active_on(day: dt.date) -> ColumnElement[bool]:
    return and_(
        or_(TeamMembership.start_date.is_(None), TeamMembership.start_date <= day),
        or_(TeamMembership.end_date.is_(None), TeamMembership.end_date >= day),
    )


async def active_projects(
    session: AsyncSession, *, subject: str, project_ids: Collection[uuid.UUID], day: dt.date
) -> set[uuid.UUID]:
    """Those of `project_ids` on whose team `subject` is active on `day` (one indexed query)."""
    if not project_ids:
        return set()
    rows = await session.scalars(
        select(TeamMembership.project_id)
        .where(
            TeamMembership.subject == subject,
            TeamMembership.project_id.in_(project_ids),
            active_on(day),
        )
        .distinct()
    )
    return set(rows)


def member_project_ids(subject: str, day: dt.date) -> Select[uuid.UUID]:
    """The projects on whose team `subject` is active on `day`, as a subquery."""
    return select(TeamMembership.project_id).where(
        TeamMembership.subject == subject, active_on(day)
    )


def list_statement(
    project_id: uuid.UUID,
    *,
    subject: str | None,
    active: bool | None,
    role: str | None,
    day: dt.date,
) -> Select[TeamMembership]:
    statement = select(TeamMembership).where(TeamMembership.project_id == project_id)
    if subject is not None:
        statement = statement.where(TeamMembership.subject == subject)
    if role is not None:
        statement = statement.where(TeamMembership.role == role)
    if active is True:
        statement = statement.where(active_on(day))
    elif active is False:
        statement = statement.where(~active_on(day))
    return statement


async def get(
    session: AsyncSession, project_id: uuid.UUID, membership_id: uuid.UUID
) -> TeamMembership | None:
    membership = await session.get(TeamMembership, membership_id)
    return membership if membership is not None and membership.project_id == project_id else None


async def overlapping_role(
    session: AsyncSession, membership: TeamMembership, *, exclude: uuid.UUID | None = None
) -> bool:
    """Does this person already hold the same role on the project for an overlapping period?"""
    far_past, far_future = dt.date.min, dt.date.max
    start, end = membership.start_date or far_past, membership.end_date or far_future
    statement = select(
        exists().where(
            TeamMembership.project_id == membership.project_id,
            TeamMembership.subject == membership.subject,
            TeamMembership.role == membership.role,
            or_(TeamMembership.start_date.is_(None), TeamMembership.start_date <= end),
            or_(TeamMembership.end_date.is_(None), TeamMembership.end_date >= start),
            TeamMembership.id != (exclude or uuid.UUID(int=0)),
        )
    )
    return bool(await session.scalar(statement))


async def roles_held_after(
    session: AsyncSession, membership: TeamMembership, day: dt.date
) -> list[TeamMembership]:
    """The subject's other memberships of the project still held after `day` (open-ended, or
    ending later)."""
    statement = select(TeamMembership).where(
        TeamMembership.project_id == membership.project_id,
        TeamMembership.subject == membership.subject,
        TeamMembership.id != membership.id,
        or_(TeamMembership.end_date.is_(None), TeamMembership.end_date > day),
    )
    return list((await session.scalars(statement)).all())
