"""Engagement rules (DOMAIN.md A3.5: S8 engagement, S9 feedback). Flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.event_contract import DomainEvent, row_actions, targets_of
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError
from shared.project_access import PROJECT_WORK
from shared.staff_names import without_staff_names
from shared.transitions import allowed_from, check_transition
from stakeholders_service.clients.projects import ProjectQuestions, require_new_project_write
from stakeholders_service.engagements import repository
from stakeholders_service.engagements.errors import (
    ClosureRequiresResponse,
    DuplicateParticipation,
    EngagementNotCompleted,
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
    EngagementCreate,
    EngagementPatch,
    EngagementRead,
    EngagementSummary,
    EngagementTransition,
    FeedbackCreate,
    FeedbackPatch,
    FeedbackRead,
    ParticipationCreate,
    ParticipationRead,
    PlanItemCreate,
    PlanItemRead,
)
from stakeholders_service.stakeholders import repository as stakeholders
from stakeholders_service.stakeholders.models import StakeholderStatus
from stakeholders_service.suppression import suppressed_count
from stakeholders_service.vocabulary import Iap2Level

# The facilitator's name is personal data for a reporter (`shared.staff_names`).
STAFF_NAMES = ("facilitator",)

# S8: an engagement is planned, then held (completed) or called off (cancelled); both final.
ENGAGEMENT_EDGES: dict[EngagementStatus, tuple[EngagementStatus, ...]] = {
    EngagementStatus.planned: (EngagementStatus.completed, EngagementStatus.cancelled),
    EngagementStatus.completed: (),
    EngagementStatus.cancelled: (),
}
# `set_action(engagement, data.to.value)` names each move after its target; feedback "closed".
row_actions(Engagement, *targets_of(ENGAGEMENT_EDGES))
row_actions(FeedbackItem, "closed")

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
    session: AsyncSession, *, data: EngagementCreate, actor: Principal, lookup: ProjectQuestions
) -> Engagement:
    """For each of its projects, the caller must be on the team (admin and governance: any)."""
    await require_new_project_write(actor, lookup, data.project_ids, pointer="/project_ids")
    project_ids = list(dict.fromkeys(data.project_ids))
    engagement = Engagement(
        created_by=actor.subject,
        **{**data.model_dump(), "project_ids": [str(p) for p in project_ids]},
    )
    await repository.add_engagement(session, engagement, project_ids)
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


def allowed_transitions(engagement: Engagement, principal: Principal) -> list[EngagementStatus]:
    """The machine's moves from here, for a caller whose role writes to projects at all (team
    membership is checked on the move itself, not on every read: that is a projects call)."""
    if not PROJECT_WORK.may_move(principal):
        return []
    return allowed_from(ENGAGEMENT_EDGES, engagement.status)


def read(engagement: Engagement, principal: Principal) -> EngagementRead:
    """The read model, with the staff names rule applied for `principal`."""
    model = EngagementRead.model_validate(
        {
            **{name: getattr(engagement, name) for name in _ENGAGEMENT_COLUMNS},
            "allowed_transitions": allowed_transitions(engagement, principal),
        }
    )
    return without_staff_names(principal, model, STAFF_NAMES)


_ENGAGEMENT_COLUMNS = tuple(
    name for name in EngagementRead.model_fields if name != "allowed_transitions"
)


async def list_engagements(
    session: AsyncSession,
    pagination: Pagination,
    principal: Principal,
    *,
    status: EngagementStatus | None,
    type_: EngagementType | None,
    iap2_level: Iap2Level | None,
    held_from: dt.datetime | None,
    held_to: dt.datetime | None,
) -> Page[EngagementRead]:
    statement = repository.list_statement(
        status=status, type_=type_, iap2_level=iap2_level, held_from=held_from, held_to=held_to
    )
    rows = await pagination.rows(
        session, statement, id_column=Engagement.id, updated_column=Engagement.updated_at
    )
    return Page[EngagementRead](
        items=[read(engagement, principal) for engagement in rows.items],
        next_cursor=rows.next_cursor,
    )


class EngagementCompleted(DomainEvent, type_="engagement.completed", entity="engagement"):
    """An engagement was held (beside the row's own `engagement.completed`, whose data is the
    row's snapshot): the projects it served, its IAP2 level and type."""

    engagement_id: uuid.UUID
    project_ids: list[str]
    iap2_level: Iap2Level
    type: EngagementType
    held_at: dt.datetime


async def transition_engagement(
    session: AsyncSession, engagement: Engagement, *, data: EngagementTransition
) -> Engagement:
    """`planned → completed | cancelled` (both final). Completing records the anonymous
    attendee count and outputs and emits `engagement.completed`."""
    check_transition(ENGAGEMENT_EDGES, engagement.status, data.to)
    engagement.status = data.to
    engagement.status_reason = data.reason
    set_action(engagement, data.to.value)
    if data.to is EngagementStatus.completed:
        engagement.anonymous_attendee_count = data.anonymous_attendee_count or 0
        if data.outputs is not None:
            engagement.outputs = data.outputs
    await session.flush()
    if data.to is EngagementStatus.completed:
        await emit_event(
            session,
            EngagementCompleted(
                engagement_id=engagement.id,
                project_ids=engagement.project_ids,
                iap2_level=engagement.iap2_level,
                type=engagement.type,
                held_at=engagement.held_at,
            ),
            entity_id=engagement.id,
        )
    return engagement


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


class FeedbackClosed(DomainEvent, type_="feedback.closed", entity="feedback_item"):
    """A "you said, we did" feedback item was closed with its recorded response."""

    feedback_id: uuid.UUID
    engagement_id: uuid.UUID
    closed_at: dt.datetime


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
            FeedbackClosed(feedback_id=item.id, engagement_id=item.engagement_id, closed_at=now),
            entity_id=item.id,
        )
    return item


async def list_participants(
    session: AsyncSession, pagination: Pagination, engagement: Engagement
) -> Page[ParticipationRead]:
    rows = await pagination.rows(
        session,
        repository.participations_statement(engagement.id),
        id_column=Participation.id,
        updated_column=Participation.updated_at,
    )
    return rows.as_page(ParticipationRead)


async def list_feedback(
    session: AsyncSession,
    pagination: Pagination,
    engagement: Engagement,
    *,
    status: FeedbackStatus | None,
) -> Page[FeedbackRead]:
    rows = await pagination.rows(
        session,
        repository.feedback_statement(engagement.id, status),
        id_column=FeedbackItem.id,
        updated_column=FeedbackItem.updated_at,
    )
    return rows.as_page(FeedbackRead)


async def list_plan_items(
    session: AsyncSession, pagination: Pagination, *, project_id: uuid.UUID | None
) -> Page[PlanItemRead]:
    rows = await pagination.rows(
        session,
        repository.plan_statement(project_id),
        id_column=EngagementPlanItem.id,
        updated_column=EngagementPlanItem.updated_at,
    )
    return rows.as_page(PlanItemRead)


async def create_plan_item(
    session: AsyncSession, *, data: PlanItemCreate, actor: Principal, lookup: ProjectQuestions
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
    """Every figure is counted in the database (`repository`); only the handful of grouped
    rows and the one or two median responses come back."""
    levels: Counter[Iap2Level] = Counter()
    types: Counter[EngagementType] = Counter()
    months: Counter[str] = Counter()
    anonymous = 0
    for level, type_, month, count, attendees in await repository.engagement_counts(
        session, project_id
    ):
        levels[level] += count
        types[type_] += count
        months[month] += count
        anonymous += int(attendees)
    attended = await repository.attended_participants(session, project_id)
    items, closed, responded = await repository.feedback_counts(session, project_id)
    middle = await repository.median_response_times(session, project_id, responded)
    days = [(responded_at - created).total_seconds() / 86400 for created, responded_at in middle]
    return EngagementSummary(
        project_id=project_id,
        engagements=sum(levels.values()),
        by_iap2_level=[CountBy(value=level.value, count=levels[level]) for level in Iap2Level],
        by_type=[CountBy(value=t.value, count=types[t]) for t in EngagementType if types[t]],
        by_month=[CountBy(value=m, count=months[m]) for m in sorted(months)],
        attended_participants=suppressed_count(attended),
        anonymous_attendees=suppressed_count(anonymous),
        feedback_items=items,
        feedback_closed=closed,
        feedback_closure_rate=round(closed / items, 3) if items else None,
        # The median of an even count is the mean of the middle two, as `statistics.median`.
        median_days_to_response=round(sum(days) / len(days), 1) if days else None,
    )
