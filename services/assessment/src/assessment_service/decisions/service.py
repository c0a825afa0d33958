"""Governance decisions (DOMAIN.md S7). Functions flush, never commit.

A decision is never edited. A correction is a new decision that supersedes the current one at
the same assessment; the old one becomes `superseded` (its only change). Recording emits
`decision.recorded` (consumed by the projects service, which moves the stage), and a
correction also emits `decision.superseded`.

A condition is a small state machine under the platform convention (`shared.transitions`):
`open` → `met` | `waived` | `breached`, moved by governance with
`POST /v1/decisions/{id}/conditions/{condition_id}/transitions {"to", "reason"}` (the reason is
kept as the condition's note); a closed condition has no edge (409 `illegal-transition`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.assessments import repository as assessments
from assessment_service.assessments.models import Assessment, AssessmentStatus
from assessment_service.decisions import repository
from assessment_service.decisions.errors import (
    AssessmentNotReadyForDecision,
    CitedItemNotFound,
    ConditionNotFound,
    ConditionsRequired,
    DecisionAlreadyRecorded,
    DecisionAlreadySuperseded,
    DecisionNotFound,
    InvalidSupersession,
    OutcomeNotValidForGate,
    OverrideRationaleRequired,
)
from assessment_service.decisions.models import (
    ConditionStatus,
    Decision,
    DecisionCondition,
    DecisionStatus,
)
from assessment_service.decisions.schemas import (
    ConditionRead,
    DecisionCreate,
    DecisionSummary,
    GateOverrides,
    OutcomePair,
    OverrideSummary,
)
from assessment_service.frameworks.definition import Gate, Outcome
from assessment_service.lifecycle import with_transitions
from shared.auth import Principal, Role
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.event_contract import DomainEvent, row_actions, targets_of
from shared.pagination import Page, Pagination
from shared.problems import FieldError, InvalidInput
from shared.transitions import allowed_from, check_transition

# Scaling and adoption are decided once a pilot has been evaluated (G4) or sustained (G5).
SCALE_OR_ADOPT_GATES = frozenset({Gate.g4_scale_or_adopt, Gate.g5_sustainability_review})
# A condition is closed once, whichever way: met, waived or breached.
CONDITION_TRANSITIONS: dict[ConditionStatus, tuple[ConditionStatus, ...]] = {
    ConditionStatus.open: (ConditionStatus.met, ConditionStatus.waived, ConditionStatus.breached),
    ConditionStatus.met: (),
    ConditionStatus.waived: (),
    ConditionStatus.breached: (),
    ConditionStatus.superseded: (),  # only by superseding its decision
}
# Who records decisions and moves their conditions (the routes' `require_roles`).
GOVERNANCE = (Role.governance, Role.admin)
# The named actions `set_action` gives below: a condition is named after where it moved.
row_actions(DecisionCondition, *targets_of(CONDITION_TRANSITIONS), "superseded")
row_actions(Decision, "marked_superseded", "closed")
row_actions(Assessment, "decided")


# -- reads ---------------------------------------------------------------------------------------


async def get_decision(session: AsyncSession, decision_id: uuid.UUID) -> Decision:
    decision = await repository.get(session, decision_id)
    if decision is None:
        raise DecisionNotFound(f"No decision with id {decision_id}.")
    return decision


async def list_decisions(
    session: AsyncSession,
    pagination: Pagination,
    *,
    project_id: uuid.UUID | None,
    assessment_id: uuid.UUID | None,
    gate: Gate | None,
    outcome: Outcome | None,
    status: DecisionStatus | None,
    overridden: bool | None,
    forum: str | None = None,
    meeting_date: dt.date | None = None,
) -> Page[DecisionSummary]:
    statement = repository.list_statement(
        project_id=project_id,
        assessment_id=assessment_id,
        gate=gate,
        outcome=outcome,
        status=status,
        overridden=overridden,
        forum=forum,
        meeting_date=meeting_date,
    )
    rows = await pagination.rows(
        session, statement, id_column=Decision.id, updated_column=Decision.updated_at
    )
    return rows.as_page(DecisionSummary)


async def list_conditions(
    session: AsyncSession,
    pagination: Pagination,
    *,
    actor: Principal,
    project_id: uuid.UUID | None,
    status: ConditionStatus | None,
    owner: str | None,
    overdue: bool,
    as_of: dt.date | None,
) -> Page[ConditionRead]:
    """Conditions filtered; `overdue` keeps the open ones due before `as_of` (default today)."""
    statement = repository.conditions_statement(
        project_id=project_id,
        status=ConditionStatus.open if overdue else status,
        owner=owner,
        due_before=(as_of or utcnow().date()) if overdue else None,
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=DecisionCondition.id,
        updated_column=DecisionCondition.updated_at,
    )
    return Page[ConditionRead](
        items=[present_condition(row, actor) for row in rows.items], next_cursor=rows.next_cursor
    )


def condition_transitions(status: ConditionStatus, actor: Principal) -> list[ConditionStatus]:
    """The states this caller can move a condition in `status` to now."""
    if not actor.has_any(*GOVERNANCE):
        return []
    return allowed_from(CONDITION_TRANSITIONS, status)


def present_condition(condition: DecisionCondition, actor: Principal) -> ConditionRead:
    """The condition as `actor` reads it (its `allowed_transitions` depend on who asks)."""
    return with_transitions(
        ConditionRead, condition, condition_transitions(condition.status, actor)
    )


# -- writes --------------------------------------------------------------------------------------


def _error(pointer: str, detail: str) -> list[FieldError]:
    return [FieldError(pointer=pointer, location="body", detail=detail)]


SUMMARY_CHARS = 500  # what a citation keeps of the item's text


async def _citations(
    session: AsyncSession, project_id: uuid.UUID, data: DecisionCreate
) -> list[dict[str, Any]]:
    """The cited items as kept on the decision; every one must exist for the project."""
    found: dict[tuple[str, uuid.UUID], tuple[uuid.UUID, str]] = {}
    for kind in {c.kind for c in data.citations}:
        ids = [c.id for c in data.citations if c.kind is kind]
        for item_id, row in (
            await repository.evaluation_items(session, project_id, kind, ids)
        ).items():
            found[(kind, item_id)] = row
    missing = [(index, c) for index, c in enumerate(data.citations) if (c.kind, c.id) not in found]
    if missing:
        raise CitedItemNotFound(
            f"{len(missing)} cited item(s) are not developmental-evaluation items of this project.",
            errors=[
                FieldError(
                    pointer=f"/citations/{index}/id",
                    location="body",
                    detail=f"No {c.kind} {c.id} for this project.",
                )
                for index, c in missing
            ],
        )
    kept: list[dict[str, Any]] = []
    seen: set[tuple[str, uuid.UUID]] = set()
    for c in data.citations:
        if (c.kind, c.id) in seen:  # cited twice: kept once
            continue
        seen.add((c.kind, c.id))
        evaluation_id, summary = found[(c.kind, c.id)]
        kept.append(
            {
                "kind": str(c.kind),
                "id": str(c.id),
                "evaluation_id": str(evaluation_id),
                "summary": summary[:SUMMARY_CHARS],
            }
        )
    return kept


class DecisionRecorded(DomainEvent, type_="decision.recorded", entity="decision"):
    """A governance decision on a gate was recorded (`supersedes_id` when it corrects an
    earlier one); the projects service moves the project's stage by it."""

    decision_id: uuid.UUID
    assessment_id: uuid.UUID
    project_id: uuid.UUID
    gate: Gate
    outcome: Outcome
    computed_recommendation: Outcome
    decided_at: dt.datetime
    supersedes_id: uuid.UUID | None


class DecisionSuperseded(DomainEvent, type_="decision.superseded", entity="decision"):
    """A decision was corrected by a new one (`superseded_by_id`, its `new_outcome`)."""

    decision_id: uuid.UUID
    superseded_by_id: uuid.UUID
    assessment_id: uuid.UUID
    project_id: uuid.UUID
    gate: Gate
    outcome: Outcome
    new_outcome: Outcome


async def record_decision(
    session: AsyncSession, *, data: DecisionCreate, actor: Principal
) -> Decision:
    assessment = await assessments.get(session, data.assessment_id)
    if assessment is None:
        raise InvalidInput(
            "No such assessment.", errors=_error("/assessment_id", "Unknown assessment.")
        )
    superseded: Decision | None = None
    if data.supersedes_id is None:
        if assessment.status is AssessmentStatus.decided:
            raise DecisionAlreadyRecorded(
                "This assessment is decided; to correct the decision, record a new one with "
                "`supersedes_id`."
            )
        if assessment.status is not AssessmentStatus.scored:
            raise AssessmentNotReadyForDecision(
                f"The assessment is {assessment.status}; score it first."
            )
    else:
        superseded = await repository.get(session, data.supersedes_id)
        if superseded is None or superseded.assessment_id != assessment.id:
            raise InvalidSupersession(
                "The decision to supersede must belong to the same assessment.",
                errors=_error("/supersedes_id", "Not a decision of this assessment."),
            )
        if superseded.status is DecisionStatus.superseded:
            raise DecisionAlreadySuperseded(
                f"Decision {superseded.id} was superseded by {superseded.superseded_by_id}; "
                "supersede the current one."
            )
    assert assessment.recommendation is not None  # scored assessments always carry one
    recommendation = assessment.recommendation
    overridden = data.outcome != recommendation
    if overridden and not data.rationale.strip():
        raise OverrideRationaleRequired(
            f"The computed recommendation is {recommendation}; explain why the board decided "
            f"{data.outcome}.",
            errors=_error("/rationale", "Required when the outcome overrides the recommendation."),
        )
    if data.outcome is Outcome.proceed_with_conditions and not data.conditions:
        raise ConditionsRequired(
            "List the conditions.", errors=_error("/conditions", "At least one condition.")
        )
    if (
        data.outcome in (Outcome.scale, Outcome.adopt)
        and assessment.gate not in SCALE_OR_ADOPT_GATES
    ):
        raise OutcomeNotValidForGate(
            f"{data.outcome} is decided at G4 or G5, not at {assessment.gate}.",
            errors=_error("/outcome", "Not valid at this gate."),
        )
    citations = await _citations(session, assessment.project_id, data)
    now = utcnow()
    decision = Decision(
        assessment_id=assessment.id,
        project_id=assessment.project_id,
        gate=assessment.gate,
        outcome=data.outcome,
        computed_recommendation=recommendation,
        overridden=overridden,
        rationale=data.rationale,
        forum=data.forum,
        meeting_date=data.meeting_date or now.date(),
        minutes_ref=data.minutes_ref,
        dissent=[d.model_dump() for d in data.dissent],
        citations=citations,
        review_by=data.review_by,
        decided_by=actor.subject,
        decided_at=now,
        status=DecisionStatus.conditions_open if data.conditions else DecisionStatus.recorded,
        supersedes_id=data.supersedes_id,
        conditions=[
            DecisionCondition(
                project_id=assessment.project_id,
                text=c.text,
                owner=c.owner,
                due_date=c.due_date,
                status=ConditionStatus.open,
            )
            for c in data.conditions
        ],
    )
    session.add(decision)
    try:
        await session.flush()
    except IntegrityError as exc:  # two corrections of the same decision at once
        raise DecisionAlreadySuperseded("Another correction superseded it first.") from exc
    if superseded is not None:
        superseded.status = DecisionStatus.superseded
        superseded.superseded_by_id = decision.id
        # The row event is `decision.marked_superseded`; `decision.superseded` is the domain
        # event emitted below, with its contract.
        set_action(superseded, "marked_superseded")
        # Its open conditions follow it; met, waived and breached ones keep their history.
        for condition in superseded.conditions:
            if condition.status is ConditionStatus.open:
                condition.status = ConditionStatus.superseded
                condition.status_note = f"Decision superseded by {decision.id}."
                condition.closed_at = now
                set_action(condition, "superseded")
    else:
        assessment.status = AssessmentStatus.decided
        assessment.decided_at = now
        assessment.open_key = None  # the gate is free for a re-assessment
        set_action(assessment, "decided")
    await session.flush()
    await emit_event(
        session,
        DecisionRecorded(
            decision_id=decision.id,
            assessment_id=decision.assessment_id,
            project_id=decision.project_id,
            gate=decision.gate,
            outcome=decision.outcome,
            computed_recommendation=decision.computed_recommendation,
            decided_at=decision.decided_at,
            supersedes_id=decision.supersedes_id,
        ),
        entity_id=decision.id,
    )
    if superseded is not None:
        await emit_event(
            session,
            DecisionSuperseded(
                decision_id=superseded.id,
                superseded_by_id=decision.id,
                assessment_id=superseded.assessment_id,
                project_id=superseded.project_id,
                gate=superseded.gate,
                outcome=superseded.outcome,
                new_outcome=decision.outcome,
            ),
            entity_id=superseded.id,
        )
    loaded = await repository.get(session, decision.id)
    assert loaded is not None
    return loaded


async def transition_condition(
    session: AsyncSession,
    decision: Decision,
    *,
    condition_id: uuid.UUID,
    to: ConditionStatus,
    reason: str | None,
) -> Decision:
    condition = next((c for c in decision.conditions if c.id == condition_id), None)
    if condition is None:
        raise ConditionNotFound(f"Decision {decision.id} has no condition {condition_id}.")
    check_transition(CONDITION_TRANSITIONS, condition.status, to)
    condition.status = to
    condition.status_note = reason or ""
    condition.closed_at = utcnow()
    set_action(condition, to)
    if decision.status is DecisionStatus.conditions_open and all(
        c.status is not ConditionStatus.open for c in decision.conditions
    ):
        decision.status = DecisionStatus.closed
        set_action(decision, "closed")
    await session.flush()
    return decision


async def override_summary(
    session: AsyncSession, *, decided_from: dt.datetime | None, decided_to: dt.datetime | None
) -> OverrideSummary:
    rows = await repository.override_counts(
        session, decided_from=decided_from, decided_to=decided_to
    )
    by_gate: dict[Gate, list[int]] = defaultdict(lambda: [0, 0])
    pairs: dict[tuple[Outcome, Outcome], int] = defaultdict(int)
    for gate, recommendation, outcome, count in rows:
        by_gate[gate][0] += count
        if recommendation != outcome:
            by_gate[gate][1] += count
        pairs[(recommendation, outcome)] += count
    total = sum(t for t, _ in by_gate.values())
    overridden = sum(o for _, o in by_gate.values())
    return OverrideSummary(
        total=total,
        overridden=overridden,
        override_rate=overridden / total if total else None,
        by_gate=[
            GateOverrides(gate=g, total=t, overridden=o, override_rate=o / t if t else None)
            for g, (t, o) in sorted(by_gate.items())
        ],
        pairs=[
            OutcomePair(computed_recommendation=r, outcome=o, count=n)
            for (r, o), n in sorted(pairs.items())
        ],
    )
