"""The rules every part of an assessment shares: the workflow's states and edges, which criteria
apply, who is chair or on the panel, what a status allows, and whose ratings count.

The workflow: draft → open → scoring → moderation → scored → decided, `cancelled` before
decided. Assessors rate independently (only their own ratings are visible until moderation);
only eligible assessors (declared, no conflict or waived) who have submitted count.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.assessments import repository
from assessment_service.assessments.errors import (
    CriterionNotApplicable,
    NotOnPanel,
    NotPanelChair,
    ScoreOutOfScale,
    UnknownCriterion,
    WrongAssessmentStatus,
)
from assessment_service.assessments.models import (
    Assessment,
    AssessmentStatus,
    PanelMember,
    Rating,
)
from assessment_service.frameworks.definition import (
    AssessmentContext,
    Criterion,
    EsfTier,
    Gate,
)
from assessment_service.frameworks.scales import SCALES, RatingValue, ScaleError, check_value
from shared.auth import Principal, Role
from shared.problems import FieldError

# Which project stages lead to each gate (DOMAIN.md S1): an assessment at any other stage
# could never move the project, so it is refused up front.
GATE_STAGES: dict[Gate, frozenset[str]] = {
    Gate.g0_triage: frozenset({"idea"}),
    Gate.g1_scoping: frozenset({"scoping"}),
    Gate.g2_pilot_approval: frozenset({"design"}),
    Gate.g3_post_pilot_review: frozenset({"pilot", "evaluation"}),
    Gate.g4_scale_or_adopt: frozenset({"evaluation"}),
    Gate.g5_sustainability_review: frozenset({"scaling", "embedding"}),
}
# The workflow's edges, in the order a frontend shows the moves. `decided` has no edge in: it
# is reached only by recording a decision (`decisions.service.record_decision`).
TRANSITIONS: dict[AssessmentStatus, tuple[AssessmentStatus, ...]] = {
    AssessmentStatus.draft: (AssessmentStatus.open, AssessmentStatus.cancelled),
    AssessmentStatus.open: (AssessmentStatus.scoring, AssessmentStatus.cancelled),
    AssessmentStatus.scoring: (AssessmentStatus.moderation, AssessmentStatus.cancelled),
    AssessmentStatus.moderation: (AssessmentStatus.scored, AssessmentStatus.cancelled),
    AssessmentStatus.scored: (AssessmentStatus.cancelled,),
    AssessmentStatus.decided: (),
    AssessmentStatus.cancelled: (),
}
RATING_OPEN = frozenset({AssessmentStatus.open, AssessmentStatus.scoring})
PANEL_VISIBLE = frozenset(
    {AssessmentStatus.moderation, AssessmentStatus.scored, AssessmentStatus.decided}
)
COMPLEXITY_OPEN = frozenset(
    {
        AssessmentStatus.draft,
        AssessmentStatus.open,
        AssessmentStatus.scoring,
        AssessmentStatus.moderation,
    }
)


def open_key(project_id: uuid.UUID, gate: Gate) -> str:
    return f"{project_id}:{gate}"


def body_error(pointer: str, detail: str) -> list[FieldError]:
    return [FieldError(pointer=pointer, location="body", detail=detail)]


def context_of(assessment: Assessment) -> AssessmentContext:
    snapshot = assessment.context_snapshot
    return AssessmentContext(
        gate=assessment.gate,
        is_digital=bool(snapshot.get("is_digital")),
        esf_tier=EsfTier(assessment.esf_tier) if assessment.esf_tier else None,
    )


def applicable_criteria(assessment: Assessment) -> list[Criterion]:
    context = context_of(assessment)
    return [c for _, c in assessment.template.definition().criteria() if c.applies(context)]


def criterion_for(assessment: Assessment, code: str) -> Criterion:
    criterion = assessment.template.definition().criterion(code)
    if criterion is None:
        # The code comes from the path: never echoed (a problem holds no unbounded user input).
        raise UnknownCriterion(
            f"{assessment.template.name} {assessment.template.semver} has no criterion with this"
            " code."
        )
    if not criterion.applies(context_of(assessment)):
        raise CriterionNotApplicable(f"{code} does not apply to this project at {assessment.gate}.")
    return criterion


def is_chair_or_governance(assessment: Assessment, actor: Principal) -> bool:
    return actor.subject == assessment.panel_chair or actor.has_any(Role.governance, Role.admin)


def ensure_chair_or_governance(assessment: Assessment, actor: Principal) -> None:
    if not is_chair_or_governance(assessment, actor):
        raise NotPanelChair(f"Only the chair ({assessment.panel_chair}) or governance may do this.")


def member_of(assessment: Assessment, actor: Principal) -> PanelMember:
    for member in assessment.panel:
        if member.subject == actor.subject:
            return member
    raise NotOnPanel("You are not a named assessor of this assessment.")


def ensure_status(assessment: Assessment, allowed: frozenset[AssessmentStatus], doing: str) -> None:
    if assessment.status not in allowed:
        raise WrongAssessmentStatus(
            f"Cannot {doing} while the assessment is {assessment.status} "
            f"(possible when {', '.join(sorted(allowed))})."
        )


def checked_value(criterion: Criterion, value: RatingValue | bool, pointer: str) -> RatingValue:
    try:
        return check_value(criterion.scale, value, bands=criterion.numeric_bands())
    except ScaleError as exc:
        raise ScoreOutOfScale(
            str(exc),
            errors=body_error(pointer, str(exc)),
            extra={
                "criterion": criterion.code,
                "scale": str(criterion.scale),
                "allowed": SCALES[criterion.scale].allowed(),
            },
        ) from exc


def counted(assessment: Assessment) -> list[str]:
    """Assessors whose ratings count: eligible and submitted."""
    return [m.subject for m in assessment.panel if m.eligible and m.submitted_at is not None]


async def counted_ratings(session: AsyncSession, assessment: Assessment) -> list[Rating]:
    include = set(counted(assessment))
    return [r for r in await repository.ratings(session, assessment.id) if r.assessor in include]
