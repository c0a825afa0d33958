"""Benefits: the queries (benefits, values, progress markers, portfolio totals)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.benefits.models import Benefit, BenefitStatus, BenefitValue
from projects_service.outcome_maps.models import OutcomeMap, ProgressMarker
from projects_service.projects.models import Project, ProjectStatus


def add(session: AsyncSession, entity: object) -> None:
    session.add(entity)


async def get(
    session: AsyncSession, project_id: uuid.UUID, benefit_id: uuid.UUID
) -> Benefit | None:
    benefit = await session.get(Benefit, benefit_id)
    return benefit if benefit is not None and benefit.project_id == project_id else None


def list_statement(
    project_id: uuid.UUID, *, kind: str | None, status: str | None
) -> Select[Benefit]:
    statement = select(Benefit).where(Benefit.project_id == project_id)
    if kind is not None:
        statement = statement.where(Benefit.kind == kind)
    if status is not None:
        statement = statement.where(Benefit.status == status)
    return statement


def values_statement(benefit_id: uuid.UUID) -> Select[BenefitValue]:
    return select(BenefitValue).where(BenefitValue.benefit_id == benefit_id)


async def markers_of_project(
    session: AsyncSession, project_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    statement = (
        select(ProgressMarker.id)
        .join(OutcomeMap, OutcomeMap.id == ProgressMarker.outcome_map_id)
        .where(OutcomeMap.project_id == project_id, ProgressMarker.id.in_(list(ids)))
    )
    return set((await session.scalars(statement)).all())


async def portfolio_totals(
    session: AsyncSession, *, as_of: dt.date, filters: dict[str, Any]
) -> Sequence[Any]:
    """Sum of each active benefit's latest value per type (as at `as_of`), by kind, unit,
    confidence and value type, over active projects: one statement."""
    ranked = (
        select(
            BenefitValue.benefit_id,
            BenefitValue.value_type,
            BenefitValue.amount,
            func.row_number()
            .over(
                partition_by=(BenefitValue.benefit_id, BenefitValue.value_type),
                order_by=(BenefitValue.as_at.desc(), BenefitValue.created_at.desc()),
            )
            .label("rank"),
        )
        .where(BenefitValue.as_at <= as_of)
        .subquery()
    )
    statement = (
        select(
            Benefit.kind,
            Benefit.unit,
            Benefit.confidence,
            ranked.c.value_type,
            func.sum(ranked.c.amount).label("total"),
            func.count(func.distinct(Benefit.id)).label("benefits"),
        )
        .join(ranked, ranked.c.benefit_id == Benefit.id)
        .join(Project, Project.id == Benefit.project_id)
        .where(
            ranked.c.rank == 1,
            Benefit.status == BenefitStatus.active,
            Project.status == ProjectStatus.active,
        )
        .group_by(Benefit.kind, Benefit.unit, Benefit.confidence, ranked.c.value_type)
        .order_by(Benefit.kind, Benefit.unit, Benefit.confidence, ranked.c.value_type)
    )
    for name, value in filters.items():
        if value is not None:
            column = getattr(Benefit, name) if hasattr(Benefit, name) else getattr(Project, name)
            statement = statement.where(column == value)
    return (await session.execute(statement)).all()
