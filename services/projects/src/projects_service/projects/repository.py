"""Projects: the queries (projects, reference numbers, stage history, decisions)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.projects.models import (
    Project,
    ReceivedDecision,
    ReferenceCounter,
    StageChange,
)
from projects_service.sql import json_array_contains, today
from projects_service.team import repository as team_repository
from shared.search import TextSearch

__all__ = ["today"]

# `?q=`: title, summary and reference, on the text index the migrations keep (shared.search).
SEARCH = TextSearch("project", Project.id, (Project.title, Project.summary, Project.reference))


async def get(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    return await session.get(Project, project_id)


async def list_statement(
    session: AsyncSession,
    *,
    filters: dict[str, Any],
    q: str | None,
    core20plus5_tag: str | None,
    tag: str | None,
    ids: Collection[uuid.UUID] | None = None,
    team_member: str | None = None,
    day: dt.date | None = None,
) -> Select[Project]:
    """`ids` keeps only those projects; `team_member` only those whose team has that subject
    active on `day` (the write-rights check other services make for a set of projects)."""
    dialect = session.get_bind().dialect.name
    statement = select(Project)
    if ids is not None:
        statement = statement.where(Project.id.in_(set(ids)))
    if team_member is not None:
        statement = statement.where(
            Project.id.in_(team_repository.member_project_ids(team_member, day or today()))
        )
    for name, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(Project, name) == value)
    if core20plus5_tag is not None:
        statement = statement.where(
            json_array_contains(Project.core20plus5_tags, core20plus5_tag, dialect=dialect)
        )
    if tag is not None:
        statement = statement.where(json_array_contains(Project.tags, tag, dialect=dialect))
    if q:
        statement = statement.where(await SEARCH.condition(session, q))
    return statement


async def team_project_ids(
    session: AsyncSession,
    subject: str,
    day: dt.date,
    *,
    within: Collection[uuid.UUID] | None,
    limit: int,
) -> list[uuid.UUID]:
    """Up to `limit` ids, in id order, of the projects on whose team `subject` is active on
    `day` (of `within`, when given): the list's `team_member` filter, ids only."""
    statement = select(Project.id).where(
        Project.id.in_(team_repository.member_project_ids(subject, day))
    )
    if within is not None:
        statement = statement.where(Project.id.in_(set(within)))
    rows = await session.scalars(statement.order_by(Project.id).limit(limit))
    return list(rows)


async def next_reference_number(session: AsyncSession, year: int) -> int:
    """Atomically take the next number for `year` (an upsert that both backends serialise)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ReferenceCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.year], set_={"last": ReferenceCounter.last + 1}
        )
        .returning(ReferenceCounter.last)
    )
    return int((await session.execute(statement)).scalar_one())


def add(session: AsyncSession, entity: object) -> None:
    session.add(entity)


def stage_history_statement(project_id: uuid.UUID) -> Select[StageChange]:
    return select(StageChange).where(StageChange.project_id == project_id)


def decisions_statement(project_id: uuid.UUID) -> Select[ReceivedDecision]:
    return select(ReceivedDecision).where(ReceivedDecision.project_id == project_id)


async def get_received_decision(
    session: AsyncSession, decision_id: uuid.UUID
) -> ReceivedDecision | None:
    return await session.scalar(
        select(ReceivedDecision).where(ReceivedDecision.decision_id == decision_id)
    )


async def get_for_update(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    """The project row locked for the rest of the transaction (PostgreSQL; SQLite writers
    already hold the database lock), so a decision and a transition never interleave."""
    return await session.scalar(select(Project).where(Project.id == project_id).with_for_update())
