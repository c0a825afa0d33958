"""The aggregate queries behind an evaluation's learning metrics; no rules, no commits."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationFinding,
    Finding,
    LearningQuestion,
    QuestionStatus,
    TheoryOfChangeVersion,
)


async def count_open_questions(session: AsyncSession, evaluation_id: uuid.UUID) -> int:
    value = await session.scalar(
        select(func.count()).where(
            LearningQuestion.evaluation_id == evaluation_id,
            LearningQuestion.status == QuestionStatus.open,
        )
    )
    return int(value or 0)


async def finding_first_adaptations(
    session: AsyncSession, evaluation_id: uuid.UUID
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(first_seen_at, earliest decided_at of a linked adaptation) per finding that has one."""
    rows = await session.execute(
        select(Finding.first_seen_at, func.min(AdaptationDecision.decided_at))
        .join(AdaptationFinding, AdaptationFinding.finding_id == Finding.id)
        .join(AdaptationDecision, AdaptationDecision.id == AdaptationFinding.adaptation_id)
        .where(Finding.evaluation_id == evaluation_id)
        .group_by(Finding.id, Finding.first_seen_at)
    )
    return [(row[0], row[1]) for row in rows]


async def adaptation_reviews(
    session: AsyncSession, evaluation_id: uuid.UUID
) -> list[tuple[dt.date, dt.datetime | None]]:
    """(review_at, reviewed_at) of every adaptation that has a review date."""
    rows = await session.execute(
        select(AdaptationDecision.review_at, AdaptationDecision.reviewed_at).where(
            AdaptationDecision.evaluation_id == evaluation_id,
            AdaptationDecision.review_at.is_not(None),
        )
    )
    # review_at IS NOT NULL in the query.
    return [(row[0], row[1]) for row in rows if row[0] is not None]


async def toc_versions(
    session: AsyncSession, evaluation_id: uuid.UUID
) -> Sequence[TheoryOfChangeVersion]:
    rows = await session.scalars(
        select(TheoryOfChangeVersion)
        .where(TheoryOfChangeVersion.evaluation_id == evaluation_id)
        .order_by(TheoryOfChangeVersion.number)
    )
    return rows.all()
