"""Engagements: the loaders that answer 404 and the engagement writer check."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from shared.auth import Principal, PrincipalDep
from shared.db import SessionDep
from shared.project_access import PROJECT_WORK
from stakeholders_service.clients.projects import ProjectsDep
from stakeholders_service.engagements import repository
from stakeholders_service.engagements.errors import EngagementNotFound, FeedbackNotFound
from stakeholders_service.engagements.models import Engagement, FeedbackItem


async def get_engagement_or_404(engagement_id: uuid.UUID, session: SessionDep) -> Engagement:
    engagement = await repository.get(session, engagement_id)
    if engagement is None:
        raise EngagementNotFound(f"No engagement with id {engagement_id}.")
    return engagement


EngagementDep = Annotated[Engagement, Depends(get_engagement_or_404)]


async def require_engagement_writer(
    engagement: EngagementDep, principal: PrincipalDep, lookup: ProjectsDep
) -> Principal:
    """Every write to an engagement and what it holds (participants, feedback, equality
    answers): the project write rule for each project the engagement belongs to."""
    await PROJECT_WORK.require(principal, [uuid.UUID(p) for p in engagement.project_ids], lookup)
    return principal


EngagementWriterDep = Annotated[Principal, Depends(require_engagement_writer)]


async def get_feedback_or_404(
    engagement: EngagementDep, feedback_id: uuid.UUID, session: SessionDep
) -> FeedbackItem:
    item = await repository.get_feedback(session, feedback_id)
    if item is None or item.engagement_id != engagement.id:
        raise FeedbackNotFound(f"No feedback {feedback_id} on engagement {engagement.id}.")
    return item


FeedbackDep = Annotated[FeedbackItem, Depends(get_feedback_or_404)]
