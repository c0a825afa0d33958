from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.projects.models import Project, ReferenceCounter


async def get(session: AsyncSession, project_id: uuid.UUID) -> Project | None:
    return await session.get(Project, project_id)


def list_statement(*, filters: dict[str, Any], q: str | None) -> Select[tuple[Project]]:
    statement = select(Project)
    for name, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(Project, name) == value)
    if q:
        pattern = f"%{q.lower()}%"
        statement = statement.where(
            or_(Project.title.ilike(pattern), Project.summary.ilike(pattern), Project.reference.ilike(pattern))
        )
    return statement


async def next_reference_number(session: AsyncSession, year: int) -> int:
    """Atomically take the next number for `year` (an upsert that both backends serialise)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(ReferenceCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(index_elements=[ReferenceCounter.year], set_={"last": ReferenceCounter.last + 1})
        .returning(ReferenceCounter.last)
    )
    return int((await session.execute(statement)).scalar_one())


def add(session: AsyncSession, project: Project) -> None:
    session.add(project)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
