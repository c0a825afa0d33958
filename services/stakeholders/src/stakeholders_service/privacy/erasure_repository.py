"""Privacy: the queries the access export and erasure make of the engagements and mapping
domains' tables (one person's rows there, and clearing what they hold about the person).

They live here, not in `engagements/repository.py` and `mapping/repository.py`, because the rule
that needs them (what Art. 15 and Art. 17 reach) is this package's; each reads or changes only
rows that name the one stakeholder.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from stakeholders_service.engagements.models import (
    EngagementPlanItem,
    FeedbackItem,
    Participation,
)
from stakeholders_service.mapping.models import StakeholderAssessment


async def _rows_of(session: AsyncSession, model: Any, column: Any, sid: uuid.UUID) -> list[Any]:
    return list(await session.scalars(select(model).where(column == sid).order_by(model.id)))


async def assessments_of(session: AsyncSession, sid: uuid.UUID) -> list[StakeholderAssessment]:
    return await _rows_of(session, StakeholderAssessment, StakeholderAssessment.stakeholder_id, sid)


async def plan_items_of(session: AsyncSession, sid: uuid.UUID) -> list[EngagementPlanItem]:
    return await _rows_of(session, EngagementPlanItem, EngagementPlanItem.stakeholder_id, sid)


async def participations_of(session: AsyncSession, sid: uuid.UUID) -> list[Participation]:
    return await _rows_of(session, Participation, Participation.stakeholder_id, sid)


async def feedback_raised_by(session: AsyncSession, sid: uuid.UUID) -> list[FeedbackItem]:
    return await _rows_of(session, FeedbackItem, FeedbackItem.raised_by, sid)


async def clear_assessment_rationales(session: AsyncSession, sid: uuid.UUID) -> int:
    """Clear the free-text rationale of every assessment of the person; how many held one."""
    assessments = list(
        await session.scalars(
            select(StakeholderAssessment).where(
                StakeholderAssessment.stakeholder_id == sid,
                StakeholderAssessment.rationale.is_not(None),
            )
        )
    )
    for assessment in assessments:
        assessment.rationale = None
    return len(assessments)


async def redact_feedback_raised_by(session: AsyncSession, sid: uuid.UUID, *, text: str) -> int:
    """Replace what the person said in their feedback items with `text`; how many."""
    feedback = await feedback_raised_by(session, sid)
    for item in feedback:
        item.content = text
    return len(feedback)
