"""Queries every evaluation sub-resource uses: loading by id, the records of one evaluation,
which ids belong to it, the per-evaluation writer lock. No rules, no commits."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption

from assessment_service.evaluation.models import DevelopmentalEvaluation

M = TypeVar("M")


async def get(
    session: AsyncSession, model: type[M], entity_id: uuid.UUID, *options: ORMOption
) -> M | None:
    return await session.get(model, entity_id, options=list(options))


async def lock_evaluation(session: AsyncSession, evaluation_id: uuid.UUID) -> None:
    """Serialise writers that number things per evaluation (PostgreSQL row lock; SQLite has a
    single writer already and SQLAlchemy omits FOR UPDATE there)."""
    await session.execute(
        select(DevelopmentalEvaluation.id)
        .where(DevelopmentalEvaluation.id == evaluation_id)
        .with_for_update()
    )


def children(
    model: Any, evaluation_id: uuid.UUID, *options: ORMOption, **filters: Any
) -> Select[Any]:
    """The records of one evaluation, filtered by equality on the given (non-None) columns."""
    statement = select(model).where(model.evaluation_id == evaluation_id).options(*options)
    for name, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(model, name) == value)
    return statement


async def ids_in_evaluation(
    session: AsyncSession, model: Any, evaluation_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> set[uuid.UUID]:
    """Which of `ids` are records of `model` in this evaluation."""
    wanted = list(ids)
    if not wanted:
        return set()
    rows = await session.scalars(
        select(model.id).where(model.evaluation_id == evaluation_id, model.id.in_(wanted))
    )
    return set(rows)
