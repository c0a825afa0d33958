"""Milestones: the queries (catalogue, milestones, adoption milestones of a project)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.milestones.models import AdoptionMilestoneType, Milestone


def add(session: AsyncSession, entity: object) -> None:
    session.add(entity)


def catalogue_statement() -> Select[AdoptionMilestoneType]:
    """The adoption milestone catalogue, for a keyset page (the caller orders it)."""
    return select(AdoptionMilestoneType)


async def catalogue(session: AsyncSession) -> Sequence[AdoptionMilestoneType]:
    return (
        await session.scalars(
            select(AdoptionMilestoneType).order_by(AdoptionMilestoneType.position)
        )
    ).all()


async def milestone_type(session: AsyncSession, code: str) -> AdoptionMilestoneType | None:
    return await session.get(AdoptionMilestoneType, code)


async def get(
    session: AsyncSession, project_id: uuid.UUID, milestone_id: uuid.UUID
) -> Milestone | None:
    milestone = await session.get(Milestone, milestone_id)
    return milestone if milestone is not None and milestone.project_id == project_id else None


async def by_adoption_code(
    session: AsyncSession, project_id: uuid.UUID, code: str
) -> Milestone | None:
    return await session.scalar(
        select(Milestone).where(Milestone.project_id == project_id, Milestone.adoption_code == code)
    )


async def adoption_milestones(session: AsyncSession, project_id: uuid.UUID) -> Sequence[Milestone]:
    statement = select(Milestone).where(
        Milestone.project_id == project_id, Milestone.adoption_code.is_not(None)
    )
    return (await session.scalars(statement)).all()


def list_statement(
    project_id: uuid.UUID, *, status: str | None, gate: str | None, adoption: bool | None
) -> Select[Milestone]:
    statement = select(Milestone).where(Milestone.project_id == project_id)
    if status is not None:
        statement = statement.where(Milestone.status == status)
    if gate is not None:
        statement = statement.where(Milestone.gate == gate)
    if adoption is True:
        statement = statement.where(Milestone.adoption_code.is_not(None))
    elif adoption is False:
        statement = statement.where(Milestone.adoption_code.is_(None))
    return statement
