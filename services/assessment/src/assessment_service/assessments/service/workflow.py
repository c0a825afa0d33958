"""The assessment workflow as a state machine (the platform convention, `shared.transitions`):
`POST /v1/assessments/{id}/transitions {"to", "reason"}` by the chair or governance; a move with
no edge is 409 `illegal-transition`, and `decided` is reached only by recording a decision (409
`gate-requires-decision`). Each move checks its preconditions and refuses with a problem that
names the rule; moving to `scored` freezes the score. No history table: the audit trail is the
history (a reason given for a move other than cancelling is kept there)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.assessments import repository
from assessment_service.assessments.errors import (
    AssessmentNotScored,
    ConsensusIncomplete,
    NoRatingsYet,
    NotEnoughSubmissions,
    TemplateNotUsable,
)
from assessment_service.assessments.models import (
    Assessment,
    AssessmentStatus,
)
from assessment_service.assessments.schemas import (
    AssessmentResult,
    TemplateRef,
)
from assessment_service.assessments.service.rules import (
    TRANSITIONS,
    applicable_criteria,
    body_error,
    context_of,
    counted,
    counted_ratings,
    ensure_chair_or_governance,
    is_chair_or_governance,
)
from assessment_service.frameworks.definition import (
    Gate,
    Outcome,
    TemplateDefinition,
)
from assessment_service.frameworks.models import FrameworkStatus
from assessment_service.lifecycle import audit_reason
from assessment_service.scoring import engine
from assessment_service.scoring.results import Confidence
from shared.auth import Principal, Role
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.event_contract import DomainEvent, row_actions
from shared.problems import InvalidInput
from shared.transitions import GateRequiresDecision, allowed_from, check_transition

# Who may ask for a move at all (the route's `require_roles`); the chair check comes after.
WORKFLOW_ROLES = (Role.governance, Role.evaluator, Role.contributor, Role.admin)
_ACTIONS = {
    AssessmentStatus.open: "opened",
    AssessmentStatus.scoring: "scoring_started",
    AssessmentStatus.moderation: "moderation_started",
    # Not "scored": `assessment.scored` is the domain event emitted below, with its own contract.
    AssessmentStatus.scored: "score_frozen",
    AssessmentStatus.cancelled: "cancelled",
}
row_actions(Assessment, *_ACTIONS.values())


async def transition(
    session: AsyncSession,
    assessment: Assessment,
    *,
    to: AssessmentStatus,
    reason: str | None,
    actor: Principal,
) -> Assessment:
    ensure_chair_or_governance(assessment, actor)
    before = assessment.status
    if to is AssessmentStatus.decided:
        raise GateRequiresDecision(
            "An assessment becomes `decided` when the board's decision is recorded "
            "(`POST /v1/decisions`), never by a transition."
        )
    check_transition(TRANSITIONS, before, to)
    definition = assessment.template.definition()
    now = utcnow()
    if to is AssessmentStatus.open:
        if assessment.template.status is FrameworkStatus.retired:
            raise TemplateNotUsable("The pinned template was retired; cancel and re-create.")
        assessment.opened_at = now
    elif to is AssessmentStatus.scoring:
        if await repository.count_ratings(session, assessment.id) == 0:
            raise NoRatingsYet("No assessor has rated a criterion yet.")
    elif to is AssessmentStatus.moderation:
        _check_submissions(assessment, definition)
    elif to is AssessmentStatus.scored:
        await _freeze_score(session, assessment, definition, now)
    elif to is AssessmentStatus.cancelled:
        if not (reason or "").strip():
            raise InvalidInput(
                "Say why the assessment is cancelled.", errors=body_error("/reason", "Required.")
            )
        assessment.cancelled_at = now
        assessment.cancel_reason = reason
        assessment.open_key = None
    assessment.status = to
    set_action(assessment, _ACTIONS[to])
    await session.flush()
    if to is not AssessmentStatus.cancelled:  # a cancellation keeps its reason on the row
        await audit_reason(
            session, assessment, assessment.id, before=before, after=to, reason=reason
        )
    if to is AssessmentStatus.scored:
        await _emit_scored(session, assessment)
    return assessment


def allowed_transitions(assessment: Assessment, actor: Principal) -> list[AssessmentStatus]:
    """The states this caller can move the assessment to now: the workflow's edges from here
    for the chair or governance (preconditions such as enough submissions are checked when the
    move is asked for), none for anyone else."""
    if not actor.has_any(*WORKFLOW_ROLES) or not is_chair_or_governance(assessment, actor):
        return []
    return allowed_from(TRANSITIONS, assessment.status)


def _check_submissions(assessment: Assessment, definition: TemplateDefinition) -> None:
    needed = definition.scoring_policy.min_assessors
    submitted = counted(assessment)
    if len(submitted) < needed:
        pending = [m.subject for m in assessment.panel if m.eligible and m.submitted_at is None]
        excluded = [m.subject for m in assessment.panel if not m.eligible]
        raise NotEnoughSubmissions(
            f"{len(submitted)} of the {needed} assessors the template requires have submitted. "
            f"Submitted: {', '.join(submitted) or 'none'}; "
            f"still rating: {', '.join(pending) or 'none'}; "
            f"not eligible (undeclared or conflicted): {', '.join(excluded) or 'none'}.",
            extra={"submitted": submitted, "pending": pending, "not_eligible": excluded},
        )


async def compute(session: AsyncSession, assessment: Assessment) -> engine.ScoreResult:
    """Run the engine on what is recorded now (the counted ratings and the consensus)."""
    ratings = await counted_ratings(session, assessment)
    consensus = await repository.consensus(session, assessment.id)
    complexity = await repository.complexity(session, assessment.id)
    return engine.score(
        assessment.template.definition(),
        context_of(assessment),
        ratings=[
            engine.RatingInput(
                assessor=r.assessor,
                criterion=r.criterion_code,
                value=r.value,
                unknown=r.unknown,
                evidence_level=r.evidence_level,
            )
            for r in ratings
        ],
        consensus=[
            engine.ConsensusInput(
                criterion=c.criterion_code,
                value=c.value,
                unknown=c.unknown,
                evidence_level=c.evidence_level,
            )
            for c in consensus
        ],
        complexity={str(e.nasss_domain): str(e.rating) for e in complexity},
        engagement=assessment.engagement_evidence,
    )


async def _freeze_score(
    session: AsyncSession, assessment: Assessment, definition: TemplateDefinition, now: Any
) -> None:
    agreed = {c.criterion_code for c in await repository.consensus(session, assessment.id)}
    missing = [c.code for c in applicable_criteria(assessment) if c.code not in agreed]
    if missing:
        raise ConsensusIncomplete(
            f"No consensus yet for: {', '.join(missing)}.", extra={"missing": missing}
        )
    score = await compute(session, assessment)
    template = assessment.template
    result = AssessmentResult(
        assessment_id=assessment.id,
        project_id=assessment.project_id,
        gate=assessment.gate,
        template=TemplateRef(
            id=template.id,
            name=template.name,
            semver=template.semver,
            status_when_scored=template.status,
        ),
        context=assessment.context_snapshot,
        engagement_evidence=assessment.engagement_evidence,
        scored_at=now,
        assessors=counted(assessment),
        score=score,
    )
    assessment.result = result.model_dump(mode="json")
    assessment.scored_at = now
    assessment.overall_score = score.overall
    assessment.confidence = score.confidence.level
    assessment.recommendation = score.recommendation


class AssessmentScored(DomainEvent, type_="assessment.scored", entity="assessment"):
    """An assessment's score was frozen: the overall score, confidence and recommendation the
    gate decision is then taken on, and the template version used."""

    assessment_id: uuid.UUID
    project_id: uuid.UUID
    gate: Gate
    template_id: uuid.UUID
    template_name: str
    template_semver: str
    overall: float | None
    confidence: Confidence
    recommendation: Outcome
    failed_gates: list[str]
    scored_at: dt.datetime | None


async def _emit_scored(session: AsyncSession, assessment: Assessment) -> None:
    score = frozen_result(assessment).score
    await emit_event(
        session,
        AssessmentScored(
            assessment_id=assessment.id,
            project_id=assessment.project_id,
            gate=assessment.gate,
            template_id=assessment.template_id,
            template_name=assessment.template.name,
            template_semver=assessment.template.semver,
            overall=score.overall,
            confidence=score.confidence.level,
            recommendation=score.recommendation,
            failed_gates=[g.criterion for g in score.failed_gates],
            scored_at=assessment.scored_at,
        ),
        entity_id=assessment.id,
    )


def frozen_result(assessment: Assessment) -> AssessmentResult:
    if assessment.result is None:
        raise AssessmentNotScored(f"The assessment is {assessment.status}; it has no score yet.")
    return AssessmentResult.model_validate(assessment.result)
