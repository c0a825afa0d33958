"""Outcome maps: the queries (versions, elements, plans, revision prompts)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from projects_service.outcome_maps.models import (
    BoundaryPartner,
    EvaluationPlanItem,
    MapStatus,
    MonitoringPlanItem,
    OrganisationalPractice,
    OutcomeMap,
    ProgressMarker,
    PromptStatus,
    RevisionPrompt,
    Strategy,
)
from projects_service.sql import json_array_contains

E = TypeVar("E", BoundaryPartner, ProgressMarker, Strategy, MonitoringPlanItem, EvaluationPlanItem)


def add(session: AsyncSession, entity: object) -> None:
    session.add(entity)


async def remove(session: AsyncSession, entity: object) -> None:
    """Delete one row through the unit of work, so its removal is audited like any write."""
    await session.delete(entity)


async def get_map(
    session: AsyncSession, project_id: uuid.UUID, map_id: uuid.UUID
) -> OutcomeMap | None:
    outcome_map = await session.get(OutcomeMap, map_id)
    return outcome_map if outcome_map is not None and outcome_map.project_id == project_id else None


async def get_detail(session: AsyncSession, map_id: uuid.UUID) -> OutcomeMap:
    """The map with partners (their markers and strategies) and practices: four statements
    whatever the size of the map."""
    statement = (
        select(OutcomeMap)
        .where(OutcomeMap.id == map_id)
        .options(
            selectinload(OutcomeMap.partners).selectinload(BoundaryPartner.markers),
            selectinload(OutcomeMap.partners).selectinload(BoundaryPartner.strategies),
            selectinload(OutcomeMap.practices),
        )
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one()


async def get_element(
    session: AsyncSession, model: type[E], map_id: uuid.UUID, element_id: uuid.UUID
) -> E | None:
    element = await session.get(model, element_id)
    return element if element is not None and element.outcome_map_id == map_id else None


async def get_practice(
    session: AsyncSession, map_id: uuid.UUID, practice: str
) -> OrganisationalPractice:
    statement = select(OrganisationalPractice).where(
        OrganisationalPractice.outcome_map_id == map_id, OrganisationalPractice.practice == practice
    )
    return (await session.execute(statement)).scalar_one()


async def map_with_status(
    session: AsyncSession, project_id: uuid.UUID, status: MapStatus
) -> OutcomeMap | None:
    return await session.scalar(
        select(OutcomeMap).where(OutcomeMap.project_id == project_id, OutcomeMap.status == status)
    )


async def latest_version(session: AsyncSession, project_id: uuid.UUID) -> int:
    value = await session.scalar(
        select(func.max(OutcomeMap.map_version)).where(OutcomeMap.project_id == project_id)
    )
    return int(value or 0)


def list_statement(project_id: uuid.UUID, *, status: MapStatus | None) -> Select[OutcomeMap]:
    statement = select(OutcomeMap).where(OutcomeMap.project_id == project_id)
    if status is not None:
        statement = statement.where(OutcomeMap.status == status)
    return statement


async def map_elements(
    session: AsyncSession, map_id: uuid.UUID
) -> tuple[
    Sequence[BoundaryPartner],
    Sequence[ProgressMarker],
    Sequence[Strategy],
    Sequence[OrganisationalPractice],
    Sequence[MonitoringPlanItem],
    Sequence[EvaluationPlanItem],
]:
    """Everything in one map version, for cloning (one statement per element type)."""
    return (
        (
            await session.scalars(
                select(BoundaryPartner).where(BoundaryPartner.outcome_map_id == map_id)
            )
        ).all(),
        (
            await session.scalars(
                select(ProgressMarker).where(ProgressMarker.outcome_map_id == map_id)
            )
        ).all(),
        (await session.scalars(select(Strategy).where(Strategy.outcome_map_id == map_id))).all(),
        (
            await session.scalars(
                select(OrganisationalPractice).where(
                    OrganisationalPractice.outcome_map_id == map_id
                )
            )
        ).all(),
        (
            await session.scalars(
                select(MonitoringPlanItem).where(MonitoringPlanItem.outcome_map_id == map_id)
            )
        ).all(),
        (
            await session.scalars(
                select(EvaluationPlanItem).where(EvaluationPlanItem.outcome_map_id == map_id)
            )
        ).all(),
    )


async def partner_elements(
    session: AsyncSession, map_id: uuid.UUID, partner_id: uuid.UUID
) -> tuple[Sequence[ProgressMarker], Sequence[Strategy], Sequence[MonitoringPlanItem]]:
    """A partner's markers and strategies, and the monitoring items about it or them."""
    markers = (
        await session.scalars(
            select(ProgressMarker).where(ProgressMarker.boundary_partner_id == partner_id)
        )
    ).all()
    strategies = (
        await session.scalars(select(Strategy).where(Strategy.boundary_partner_id == partner_id))
    ).all()
    refs = [str(partner_id), *(str(strategy.id) for strategy in strategies)]
    monitoring = (
        await session.scalars(
            select(MonitoringPlanItem).where(
                MonitoringPlanItem.outcome_map_id == map_id,
                MonitoringPlanItem.priority_ref.in_(refs),
            )
        )
    ).all()
    return markers, strategies, monitoring


def plan_items_statement(model: type[E], map_id: uuid.UUID) -> Select[E]:
    return select(model).where(model.outcome_map_id == map_id)


async def open_prompts(session: AsyncSession, project_id: uuid.UUID) -> Sequence[RevisionPrompt]:
    statement = select(RevisionPrompt).where(
        RevisionPrompt.project_id == project_id, RevisionPrompt.status == PromptStatus.open
    )
    return (await session.scalars(statement)).all()


def prompts_statement(
    project_id: uuid.UUID, *, status: PromptStatus | None
) -> Select[RevisionPrompt]:
    statement = select(RevisionPrompt).where(RevisionPrompt.project_id == project_id)
    if status is not None:
        statement = statement.where(RevisionPrompt.status == status)
    return statement


async def prompt_for_adaptation(
    session: AsyncSession, adaptation_id: uuid.UUID
) -> RevisionPrompt | None:
    return await session.scalar(
        select(RevisionPrompt).where(RevisionPrompt.adaptation_id == adaptation_id)
    )


async def partners_referencing(
    session: AsyncSession, stakeholder_id: str
) -> Sequence[BoundaryPartner]:
    dialect = session.get_bind().dialect.name
    statement = select(BoundaryPartner).where(
        json_array_contains(BoundaryPartner.stakeholder_refs, stakeholder_id, dialect=dialect)
    )
    return (await session.scalars(statement)).all()


def map_agreed_at(project_id: uuid.UUID, as_of: dt.datetime) -> Select[OutcomeMap]:
    """The version that was agreed (and not yet superseded) at `as_of`."""
    return select(OutcomeMap).where(
        OutcomeMap.project_id == project_id,
        OutcomeMap.agreed_at.is_not(None),
        OutcomeMap.agreed_at <= as_of,
        or_(OutcomeMap.superseded_at.is_(None), OutcomeMap.superseded_at > as_of),
    )
