"""Engagement rules (DOMAIN.md A3.5: S8 engagement, S9 feedback). Flush, never commit."""

from __future__ import annotations

import uuid
from collections import Counter
from statistics import median

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError
from shared.project_access import ProjectsLookup
from stakeholders_service.engagements import repository
from stakeholders_service.engagements.errors import (
    ClosureRequiresResponse,
    DuplicateParticipation,
    EngagementNotCompleted,
    IllegalEngagementTransition,
    IllegalFeedbackTransition,
    PlanTargetRequired,
    UnknownStakeholder,
)
from stakeholders_service.engagements.models import (
    Engagement,
    EngagementPlanItem,
    EngagementStatus,
    EngagementType,
    FeedbackItem,
    FeedbackStatus,
    Participation,
)
from stakeholders_service.engagements.schemas import (
    CountBy,
    EngagementComplete,
    EngagementCreate,
    EngagementPatch,
    EngagementSummary,
    FeedbackCreate,
    FeedbackPatch,
    ParticipationCreate,
    PlanItemCreate,
)
from stakeholders_service.stakeholders import repository as stakeholders
from stakeholders_service.stakeholders.models import StakeholderStatus
from stakeholders_service.suppression import suppressed_count
from stakeholders_service.upstream import require_new_project_write
from stakeholders_service.vocabulary import Iap2Level

# S9: where a feedback item may go next.
_FEEDBACK_NEXT: dict[FeedbackStatus, frozenset[FeedbackStatus]] = {
    FeedbackStatus.open: frozenset({FeedbackStatus.considered}),
    FeedbackStatus.considered: frozenset(
        {FeedbackStatus.acted_on, FeedbackStatus.not_acted_with_reason, FeedbackStatus.out_of_scope}
    ),
    FeedbackStatus.acted_on: frozenset({FeedbackStatus.closed}),
    FeedbackStatus.not_acted_with_reason: frozenset({FeedbackStatus.closed}),
    FeedbackStatus.out_of_scope: frozenset({FeedbackStatus.closed}),
    FeedbackStatus.closed: frozenset(),
}


async def require_active_stakeholder(
    session: AsyncSession, stakeholder_id: uuid.UUID, pointer: str
) -> None:
    stakeholder = await stakeholders.get(session, stakeholder_id)
    if stakeholder is None or stakeholder.status is StakeholderStatus.erased:
        raise UnknownStakeholder(pointer)


async def create_engagement(
    session: AsyncSession, *, data: EngagementCreate, actor: Principal, lookup: ProjectsLookup
) -> Engagement:
    """For each of its projects, the caller must be on the team (admin and governance: any)."""
    await require_new_project_write(actor, lookup, data.project_ids, pointer="/project_ids")
    engagement = Engagement(
        created_by=actor.subject,
        **{**data.model_dump(), "project_ids": [str(p) for p in dict.fromkeys(data.project_ids)]},
    )
    session.add(engagement)
    await session.flush()
    return engagement


async def update_engagement(
    session: AsyncSession, engagement: Engagement, *, patch: EngagementPatch
) -> Engagement:
    changes = merge_patch_changes(
        patch, required=("title", "type", "iap2_level", "held_at", "mode", "purpose")
    )
    if "accessibility_adjustments" in changes and changes["accessibility_adjustments"] is None:
        changes["accessibility_adjustments"] = []
    apply_changes(engagement, changes)
    await session.flush()
    return engagement


async def complete_engagement(
    session: AsyncSession, engagement: Engagement, *, data: EngagementComplete
) -> Engagement:
    _leave_planned(engagement, EngagementStatus.completed)
    engagement.anonymous_attendee_count = data.anonymous_attendee_count
    if data.outputs is not None:
        engagement.outputs = data.outputs
    await session.flush()
    await emit_event(
        session,
        type_="engagement.completed",
        entity_type="engagement",
        entity_id=engagement.id,
        data={
            "engagement_id": engagement.id,
            "project_ids": engagement.project_ids,
            "iap2_level": engagement.iap2_level,
            "type": engagement.type,
            "held_at": engagement.held_at,
        },
    )
    return engagement


async def cancel_engagement(session: AsyncSession, engagement: Engagement) -> Engagement:
    _leave_planned(engagement, EngagementStatus.cancelled)
    await session.flush()
    return engagement


def _leave_planned(engagement: Engagement, target: EngagementStatus) -> None:
    if engagement.status is not EngagementStatus.planned:
        raise IllegalEngagementTransition(
            f"The engagement is {engagement.status.value}; it cannot become {target.value}."
        )
    engagement.status = target
    set_action(engagement, target.value)


def require_completed(engagement: Engagement) -> None:
    if engagement.status is not EngagementStatus.completed:
        raise EngagementNotCompleted(f"The engagement is {engagement.status.value}.")


async def add_participation(
    session: AsyncSession, engagement: Engagement, *, data: ParticipationCreate
) -> Participation:
    require_completed(engagement)
    await require_active_stakeholder(session, data.stakeholder_id, "/stakeholder_id")
    if await repository.find_participation(session, engagement.id, data.stakeholder_id):
        raise DuplicateParticipation("Already recorded.")
    participation = Participation(engagement_id=engagement.id, **data.model_dump())
    session.add(participation)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise DuplicateParticipation("Already recorded.") from exc
    return participation


async def add_feedback(
    session: AsyncSession, engagement: Engagement, *, data: FeedbackCreate
) -> FeedbackItem:
    require_completed(engagement)
    if data.raised_by is not None:
        await require_active_stakeholder(session, data.raised_by, "/raised_by")
    item = FeedbackItem(engagement_id=engagement.id, **data.model_dump())
    session.add(item)
    await session.flush()
    return item


async def update_feedback(
    session: AsyncSession, item: FeedbackItem, *, patch: FeedbackPatch
) -> FeedbackItem:
    """Closing needs a recorded response: the IAP2 promise to tell people how their input
    influenced the decision."""
    changes = merge_patch_changes(patch, required=("status",))
    if item.status is FeedbackStatus.closed:
        raise IllegalFeedbackTransition("Closed feedback is final.")
    now = utcnow()
    if changes.get("response") is not None:
        item.response = changes["response"]
        item.responded_at = now
    elif "response" in changes:
        item.response, item.responded_at = None, None
    target = changes.get("status")
    if target is not None and target is not item.status:
        if target not in _FEEDBACK_NEXT[item.status]:
            raise IllegalFeedbackTransition(
                f"Feedback that is {item.status.value} cannot become {target.value}."
            )
        if target is FeedbackStatus.closed and not item.response:
            raise ClosureRequiresResponse("Record what was done (`response`) before closing.")
        item.status = target
        if target is FeedbackStatus.closed:
            item.closed_at = now
            set_action(item, "closed")
    await session.flush()
    if item.status is FeedbackStatus.closed and target is FeedbackStatus.closed:
        await emit_event(
            session,
            type_="feedback.closed",
            entity_type="feedback_item",
            entity_id=item.id,
            data={"feedback_id": item.id, "engagement_id": item.engagement_id, "closed_at": now},
        )
    return item


async def create_plan_item(
    session: AsyncSession, *, data: PlanItemCreate, actor: Principal, lookup: ProjectsLookup
) -> EngagementPlanItem:
    await require_new_project_write(actor, lookup, [data.project_id])
    if (data.stakeholder_id is None) == (data.segment is None):
        raise PlanTargetRequired(
            "Give `stakeholder_id` or `segment`.",
            errors=[FieldError(pointer="/stakeholder_id", location="body", detail="Or segment.")],
        )
    if data.stakeholder_id is not None:
        await require_active_stakeholder(session, data.stakeholder_id, "/stakeholder_id")
    item = EngagementPlanItem(created_by=actor.subject, **data.model_dump())
    session.add(item)
    await session.flush()
    return item


async def summary(session: AsyncSession, *, project_id: uuid.UUID | None) -> EngagementSummary:
    engagements = [
        e
        for e in await repository.engagements_of_project(session, project_id)
        if e.status is not EngagementStatus.cancelled
    ]
    ids = [e.id for e in engagements]
    levels = Counter(e.iap2_level for e in engagements)
    types = Counter(e.type for e in engagements)
    months = Counter(e.held_at.strftime("%Y-%m") for e in engagements)
    attended = sum(p.attended for p in await repository.participations_of(session, ids))
    feedback = await repository.feedback_of(session, ids)
    closed = [f for f in feedback if f.status is FeedbackStatus.closed]
    response_days = [
        (f.responded_at - f.created_at).total_seconds() / 86400
        for f in feedback
        if f.responded_at is not None
    ]
    return EngagementSummary(
        project_id=project_id,
        engagements=len(engagements),
        by_iap2_level=[CountBy(value=level.value, count=levels[level]) for level in Iap2Level],
        by_type=[CountBy(value=t.value, count=types[t]) for t in EngagementType if types[t]],
        by_month=[CountBy(value=m, count=months[m]) for m in sorted(months)],
        attended_participants=suppressed_count(attended),
        anonymous_attendees=suppressed_count(sum(e.anonymous_attendee_count for e in engagements)),
        feedback_items=len(feedback),
        feedback_closed=len(closed),
        feedback_closure_rate=round(len(closed) / len(feedback), 3) if feedback else None,
        median_days_to_response=round(median(response_days), 1) if response_days else None,
    )
