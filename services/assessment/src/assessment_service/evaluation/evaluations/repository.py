"""Queries of the evaluation itself; no rules, no commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.models import DevelopmentalEvaluation


async def get_by_project(
    session: AsyncSession, project_id: uuid.UUID
) -> DevelopmentalEvaluation | None:
    return await session.scalar(
        select(DevelopmentalEvaluation).where(DevelopmentalEvaluation.project_id == project_id)
    )


async def add_unique(session: AsyncSession, evaluation: DevelopmentalEvaluation) -> bool:
    """Insert in a savepoint; False when a concurrent creation for the same project won the
    unique index (the rest of the transaction is kept)."""
    session.add(evaluation)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        return False
    return True


def evaluations(
    *, project_id: uuid.UUID | None, status: Any | None
) -> Select[DevelopmentalEvaluation]:
    statement = select(DevelopmentalEvaluation)
    if project_id is not None:
        statement = statement.where(DevelopmentalEvaluation.project_id == project_id)
    if status is not None:
        statement = statement.where(DevelopmentalEvaluation.status == status)
    return statement
