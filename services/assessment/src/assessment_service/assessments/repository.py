"""Assessments: the queries (assessments, ratings, evidence, consensus, complexity, decisions)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from assessment_service.assessments.models import (
    Assessment,
    AssessmentStatus,
    ComplexityEntry,
    ConsensusRating,
    EvidenceItem,
    PanelMember,
    Rating,
)
from assessment_service.decisions.models import Decision, DecisionStatus
from assessment_service.frameworks.definition import Gate


async def get(session: AsyncSession, assessment_id: uuid.UUID) -> Assessment | None:
    """The assessment with its panel and pinned template loaded (no lazy loads later)."""
    return await session.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(selectinload(Assessment.panel), selectinload(Assessment.template))
    )


async def get_open(session: AsyncSession, open_key: str) -> Assessment | None:
    return await session.scalar(select(Assessment).where(Assessment.open_key == open_key))


def list_statement(
    *, project_id: uuid.UUID | None, gate: Gate | None, status: AssessmentStatus | None
) -> Select[Assessment]:
    statement = select(Assessment)
    if project_id is not None:
        statement = statement.where(Assessment.project_id == project_id)
    if gate is not None:
        statement = statement.where(Assessment.gate == gate)
    if status is not None:
        statement = statement.where(Assessment.status == status)
    return statement


async def for_project(session: AsyncSession, project_id: uuid.UUID) -> Sequence[Assessment]:
    return (
        await session.scalars(
            select(Assessment)
            .where(Assessment.project_id == project_id)
            .order_by(Assessment.created_at, Assessment.id)
        )
    ).all()


async def current_decisions(
    session: AsyncSession, assessment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decision]:
    if not assessment_ids:
        return {}
    rows = await session.scalars(
        select(Decision).where(
            Decision.assessment_id.in_(assessment_ids),
            Decision.status != DecisionStatus.superseded,
        )
    )
    return {row.assessment_id: row for row in rows}


async def ratings(
    session: AsyncSession, assessment_id: uuid.UUID, *, assessor: str | None = None
) -> Sequence[Rating]:
    statement = select(Rating).where(Rating.assessment_id == assessment_id)
    if assessor is not None:
        statement = statement.where(Rating.assessor == assessor)
    return (await session.scalars(statement.order_by(Rating.criterion_code, Rating.assessor))).all()


async def count_ratings(session: AsyncSession, assessment_id: uuid.UUID) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Rating).where(Rating.assessment_id == assessment_id)
        )
        or 0
    )


async def get_rating(
    session: AsyncSession, assessment_id: uuid.UUID, code: str, assessor: str
) -> Rating | None:
    return await session.scalar(
        select(Rating).where(
            Rating.assessment_id == assessment_id,
            Rating.criterion_code == code,
            Rating.assessor == assessor,
        )
    )


def panel_statement(assessment_id: uuid.UUID) -> Select[PanelMember]:
    """The panel of one assessment, for a keyset page (the caller orders it)."""
    return select(PanelMember).where(PanelMember.assessment_id == assessment_id)


def evidence_statement(assessment_id: uuid.UUID) -> Select[EvidenceItem]:
    """The evidence items of one assessment, for a keyset page (the caller orders it)."""
    return select(EvidenceItem).where(EvidenceItem.assessment_id == assessment_id)


def consensus_statement(assessment_id: uuid.UUID) -> Select[ConsensusRating]:
    """The consensus ratings of one assessment, for a keyset page (the caller orders it)."""
    return select(ConsensusRating).where(ConsensusRating.assessment_id == assessment_id)


async def evidence(session: AsyncSession, assessment_id: uuid.UUID) -> Sequence[EvidenceItem]:
    return (
        await session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.assessment_id == assessment_id)
            .order_by(EvidenceItem.created_at, EvidenceItem.id)
        )
    ).all()


async def consensus(session: AsyncSession, assessment_id: uuid.UUID) -> Sequence[ConsensusRating]:
    return (
        await session.scalars(
            select(ConsensusRating)
            .where(ConsensusRating.assessment_id == assessment_id)
            .order_by(ConsensusRating.criterion_code)
        )
    ).all()


async def complexity(session: AsyncSession, assessment_id: uuid.UUID) -> Sequence[ComplexityEntry]:
    return (
        await session.scalars(
            select(ComplexityEntry)
            .where(ComplexityEntry.assessment_id == assessment_id)
            .order_by(ComplexityEntry.nasss_domain)
        )
    ).all()
