"""Business rules for assessments (DOMAIN.md S6). Functions flush, never commit.

The workflow: draft → open → scoring → moderation → scored → decided, `cancelled` before
decided. Each transition checks its preconditions and refuses with a problem that names the rule
and says what is missing. Assessors rate independently (only their own ratings are visible until
moderation); only eligible assessors (declared, no conflict or waived) who have submitted count.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.assessments import repository
from assessment_service.assessments.errors import (
    AssessmentNotScored,
    ConflictOfInterestUnresolved,
    ConsensusIncomplete,
    CriterionNotApplicable,
    GateNotOpenForStage,
    IllegalAssessmentTransition,
    InvalidRating,
    NoActiveTemplate,
    NoRatingsYet,
    NotEnoughSubmissions,
    NotOnPanel,
    NotPanelChair,
    OpenAssessmentExists,
    ProjectNotAssessable,
    ProjectNotFoundUpstream,
    RatingsSubmitted,
    RequiredCriteriaUnrated,
    ScoreOutOfScale,
    TemplateNotApplicable,
    TemplateNotUsable,
    UnknownCriterion,
    WrongAssessmentStatus,
)
from assessment_service.assessments.models import (
    CLOSED,
    Assessment,
    AssessmentStatus,
    ComplexityEntry,
    ConsensusMethod,
    ConsensusRating,
    EvidenceItem,
    PanelMember,
    Rating,
)
from assessment_service.assessments.projects_client import ProjectsClient
from assessment_service.assessments.schemas import (
    AssessmentCreate,
    AssessmentResult,
    ComplexityWrite,
    ConsensusWrite,
    DeclarationWrite,
    EvidenceCreate,
    HistoryEntry,
    ModerationView,
    ProjectHistory,
    RatingWrite,
    TemplateRef,
)
from assessment_service.frameworks import repository as frameworks
from assessment_service.frameworks.definition import (
    AssessmentContext,
    Criterion,
    EsfTier,
    Gate,
    TemplateDefinition,
)
from assessment_service.frameworks.models import Framework, FrameworkStatus
from assessment_service.frameworks.scales import SCALES, RatingValue, ScaleError, check_value
from assessment_service.frameworks.service import USABLE, mark_used
from assessment_service.scoring import engine
from shared.auth import Principal, Role
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.problems import FieldError, InvalidInput

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
TRANSITIONS: dict[AssessmentStatus, frozenset[AssessmentStatus]] = {
    AssessmentStatus.draft: frozenset({AssessmentStatus.open, AssessmentStatus.cancelled}),
    AssessmentStatus.open: frozenset({AssessmentStatus.scoring, AssessmentStatus.cancelled}),
    AssessmentStatus.scoring: frozenset({AssessmentStatus.moderation, AssessmentStatus.cancelled}),
    AssessmentStatus.moderation: frozenset({AssessmentStatus.scored, AssessmentStatus.cancelled}),
    AssessmentStatus.scored: frozenset({AssessmentStatus.cancelled}),
    AssessmentStatus.decided: frozenset(),
    AssessmentStatus.cancelled: frozenset(),
}
_ACTIONS = {
    AssessmentStatus.open: "opened",
    AssessmentStatus.scoring: "scoring_started",
    AssessmentStatus.moderation: "moderation_started",
    # Not "scored": `assessment.scored` is the domain event emitted below, with its own contract.
    AssessmentStatus.scored: "score_frozen",
    AssessmentStatus.cancelled: "cancelled",
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


def _body_error(pointer: str, detail: str) -> list[FieldError]:
    return [FieldError(pointer=pointer, location="body", detail=detail)]


# -- creating ------------------------------------------------------------------------------------


async def _template_for(session: AsyncSession, data: AssessmentCreate) -> Framework:
    if data.template_id is not None:
        template = await frameworks.get(session, data.template_id)
        if template is None:
            raise InvalidInput(
                "No such template.", errors=_body_error("/template_id", "No such template.")
            )
    else:
        assert data.template_name is not None
        found = await frameworks.get_active(session, data.template_name)
        if found is None:
            raise NoActiveTemplate(
                f"{data.template_name!r} has no active version.",
                errors=_body_error("/template_name", "No active version."),
            )
        template = found
    if template.status not in USABLE:
        raise TemplateNotUsable(
            f"{template.name} {template.semver} is {template.status}; "
            "use a piloting or active version."
        )
    return template


async def create_assessment(
    session: AsyncSession, projects: ProjectsClient, *, data: AssessmentCreate, actor: Principal
) -> Assessment:
    # Ask the projects service first, before this transaction takes any lock.
    project = await projects.get_project(data.project_id)
    if project is None:
        raise ProjectNotFoundUpstream(
            f"The projects service has no project {data.project_id}.",
            errors=_body_error("/project_id", "Unknown project."),
        )
    if project.status == "archived" or project.stage in ("stopped", "closed"):
        raise ProjectNotAssessable(f"The project is {project.status}, at stage {project.stage}.")
    if project.stage not in GATE_STAGES[data.gate]:
        expected = " or ".join(sorted(GATE_STAGES[data.gate]))
        raise GateNotOpenForStage(
            f"{data.gate} assesses projects at stage {expected}; this one is at {project.stage}."
        )
    template = await _template_for(session, data)
    definition = template.definition()
    if data.gate not in definition.gates_used:
        raise TemplateNotApplicable(
            f"{template.name} {template.semver} is not used at {data.gate}.",
            errors=_body_error("/gate", "The template does not serve this gate."),
        )
    applies_to = definition.applies_to
    if applies_to.is_digital is not None and applies_to.is_digital is not project.is_digital:
        raise TemplateNotApplicable(
            f"{template.name} applies only to "
            f"{'digital' if applies_to.is_digital else 'non-digital'} projects.",
            errors=_body_error("/project_id", "The template does not apply to this project."),
        )
    if data.previous_assessment_id is not None:
        previous = await repository.get(session, data.previous_assessment_id)
        if previous is None or previous.project_id != data.project_id:
            raise InvalidInput(
                "The previous assessment must be one of this project's.",
                errors=_body_error("/previous_assessment_id", "Not an assessment of this project."),
            )
    key = open_key(data.project_id, data.gate)
    existing = await repository.get_open(session, key)
    if existing is not None:
        raise OpenAssessmentExists(
            f"Assessment {existing.id} ({existing.status}) is still open for this project at "
            f"{data.gate}; decide or cancel it first.",
            extra={"assessment_id": str(existing.id)},
        )
    assessment = Assessment(
        project_id=data.project_id,
        project_reference=project.reference,
        template_id=template.id,
        gate=data.gate,
        status=AssessmentStatus.draft,
        open_key=key,
        panel_chair=data.panel_chair,
        context_snapshot={
            "stage": project.stage,
            "is_digital": project.is_digital,
            "innovation_type": project.innovation_type,
            "esf_tier": data.esf_tier,
            "project_title": project.title,
            "captured_at": utcnow().isoformat().replace("+00:00", "Z"),
        },
        esf_tier=data.esf_tier,
        uses_piloting_template=template.status is FrameworkStatus.piloting,
        previous_assessment_id=data.previous_assessment_id,
        due_at=data.due_at,
        created_by=actor.subject,
    )
    assessment.panel = [PanelMember(subject=subject) for subject in data.assessors]
    session.add(assessment)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create for the same project and gate
        raise OpenAssessmentExists(
            "Another assessment for this project and gate was opened at the same time."
        ) from exc
    await mark_used(session, template)
    loaded = await repository.get(session, assessment.id)
    assert loaded is not None
    return loaded


# -- helpers -------------------------------------------------------------------------------------


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


def _criterion(assessment: Assessment, code: str) -> Criterion:
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


def _member(assessment: Assessment, actor: Principal) -> PanelMember:
    for member in assessment.panel:
        if member.subject == actor.subject:
            return member
    raise NotOnPanel("You are not a named assessor of this assessment.")


def _ensure_status(
    assessment: Assessment, allowed: frozenset[AssessmentStatus], doing: str
) -> None:
    if assessment.status not in allowed:
        raise WrongAssessmentStatus(
            f"Cannot {doing} while the assessment is {assessment.status} "
            f"(possible when {', '.join(sorted(allowed))})."
        )


def _check_value(criterion: Criterion, value: RatingValue | bool, pointer: str) -> RatingValue:
    try:
        return check_value(criterion.scale, value, bands=criterion.numeric_bands())
    except ScaleError as exc:
        raise ScoreOutOfScale(
            str(exc),
            errors=_body_error(pointer, str(exc)),
            extra={
                "criterion": criterion.code,
                "scale": str(criterion.scale),
                "allowed": SCALES[criterion.scale].allowed(),
            },
        ) from exc


def counted(assessment: Assessment) -> list[str]:
    """Assessors whose ratings count: eligible and submitted."""
    return [m.subject for m in assessment.panel if m.eligible and m.submitted_at is not None]


# -- panel ---------------------------------------------------------------------------------------


async def declare(
    session: AsyncSession, assessment: Assessment, *, data: DeclarationWrite, actor: Principal
) -> PanelMember:
    # Who may act comes before what state the assessment is in: a stranger learns nothing.
    member = _member(assessment, actor)
    _ensure_status(
        assessment,
        frozenset({AssessmentStatus.draft, AssessmentStatus.open, AssessmentStatus.scoring}),
        "declare interests",
    )
    if member.submitted_at is not None and not data.has_conflict:
        raise RatingsSubmitted("You have submitted; you can only add a conflict now.")
    member.declared_at = utcnow()
    member.has_conflict = data.has_conflict
    member.conflict_description = data.description if data.has_conflict else None
    # A new declaration voids an earlier waiver: the chair judges what is declared now.
    member.waiver_reason = member.waived_by = None
    member.waived_at = None
    set_action(member, "declared")
    await session.flush()
    return member


async def waive(
    session: AsyncSession, assessment: Assessment, *, subject: str, reason: str, actor: Principal
) -> PanelMember:
    if actor.subject != assessment.panel_chair and not actor.is_admin:
        raise NotPanelChair(
            f"Only the panel chair ({assessment.panel_chair}) may waive a conflict."
        )
    if assessment.status in CLOSED:
        raise WrongAssessmentStatus(f"The assessment is {assessment.status}.")
    member = next((m for m in assessment.panel if m.subject == subject), None)
    if member is None:
        raise NotOnPanel("Nobody with this subject is on the panel.")  # never echo the path
    if not member.has_conflict:
        raise InvalidInput(
            f"{subject} has not declared a conflict; there is nothing to waive.",
            errors=_body_error("/reason", "No declared conflict."),
        )
    member.waiver_reason = reason
    member.waived_by = actor.subject
    member.waived_at = utcnow()
    set_action(member, "conflict_waived")
    await session.flush()
    return member


# -- evidence and ratings ------------------------------------------------------------------------


async def add_evidence(
    session: AsyncSession, assessment: Assessment, *, data: EvidenceCreate, actor: Principal
) -> EvidenceItem:
    if not is_chair_or_governance(assessment, actor):
        _member(assessment, actor)
    if assessment.status in CLOSED or assessment.status is AssessmentStatus.scored:
        raise WrongAssessmentStatus(f"Evidence is closed: the assessment is {assessment.status}.")
    item = EvidenceItem(assessment_id=assessment.id, added_by=actor.subject, **data.model_dump())
    session.add(item)
    await session.flush()
    return item


async def put_rating(
    session: AsyncSession,
    assessment: Assessment,
    *,
    code: str,
    data: RatingWrite,
    actor: Principal,
) -> Rating:
    member = _member(assessment, actor)
    _ensure_status(assessment, RATING_OPEN, "rate")
    if not member.eligible:
        raise ConflictOfInterestUnresolved(
            "Declare your interests first."
            if member.declared_at is None
            else "You declared a conflict of interest; the chair has not waived it."
        )
    if member.submitted_at is not None:
        raise RatingsSubmitted("You have submitted your ratings; they are final.")
    criterion = _criterion(assessment, code)
    value: RatingValue | None = None
    if data.unknown:
        errors = []
        if data.value is not None:
            errors += _body_error("/value", "An unknown rating has no value.")
        if not (data.unknown_reason or "").strip():
            errors += _body_error("/unknown_reason", "Say why it cannot be rated.")
        if errors:
            raise InvalidRating("An unknown rating needs a reason and no value.", errors=errors)
    else:
        if data.value is None:
            raise InvalidRating(
                "Give a value, or mark the criterion unknown with a reason.",
                errors=_body_error("/value", f"Required: {SCALES[criterion.scale].allowed()}."),
            )
        value = _check_value(criterion, data.value, "/value")
    evidence_level = data.evidence_level
    if data.evidence_ids:
        items = {item.id: item for item in await repository.evidence(session, assessment.id)}
        missing = [i for i, eid in enumerate(data.evidence_ids) if eid not in items]
        if missing:
            raise InvalidRating(
                "Evidence must be recorded on this assessment first.",
                errors=[
                    FieldError(
                        pointer=f"/evidence_ids/{i}",
                        location="body",
                        detail="Unknown evidence item.",
                    )
                    for i in missing
                ],
            )
        if evidence_level is None:
            # The strongest linked evidence, when the assessor does not grade it themselves.
            levels = [items[e].evidence_level for e in data.evidence_ids if items[e].evidence_level]
            evidence_level = max(levels) if levels else None  # type: ignore[type-var]
    rating = await repository.get_rating(session, assessment.id, code, actor.subject)
    if rating is None:
        rating = Rating(assessment_id=assessment.id, criterion_code=code, assessor=actor.subject)
        session.add(rating)
    rating.value = value
    rating.unknown = data.unknown
    rating.unknown_reason = data.unknown_reason if data.unknown else None
    rating.rationale = data.rationale
    rating.evidence_ids = [str(e) for e in data.evidence_ids]
    rating.evidence_level = evidence_level
    await session.flush()
    return rating


async def submit(session: AsyncSession, assessment: Assessment, *, actor: Principal) -> PanelMember:
    member = _member(assessment, actor)
    _ensure_status(assessment, RATING_OPEN, "submit ratings")
    if not member.eligible:
        raise ConflictOfInterestUnresolved("Resolve your declaration of interests first.")
    if member.submitted_at is not None:
        raise RatingsSubmitted("You have already submitted.")
    mine = {
        r.criterion_code
        for r in await repository.ratings(session, assessment.id, assessor=actor.subject)
    }
    missing = [c.code for c in applicable_criteria(assessment) if c.required and c.code not in mine]
    if missing:
        raise RequiredCriteriaUnrated(
            f"Still to rate (or mark unknown): {', '.join(missing)}.",
            extra={"missing": missing},
        )
    member.submitted_at = utcnow()
    set_action(member, "submitted")
    await session.flush()
    return member


async def visible_ratings(
    session: AsyncSession, assessment: Assessment, *, actor: Principal
) -> tuple[Literal["own", "panel"], Sequence[Rating]]:
    """Independent rating: until moderation everyone (chair and governance too) sees only their
    own ratings; from moderation on, the panel's counted ratings are open to review."""
    if assessment.status in PANEL_VISIBLE:
        include = set(counted(assessment))
        rows = await repository.ratings(session, assessment.id)
        return "panel", [r for r in rows if r.assessor in include]
    return "own", await repository.ratings(session, assessment.id, assessor=actor.subject)


# -- moderation ----------------------------------------------------------------------------------


async def _counted_ratings(session: AsyncSession, assessment: Assessment) -> list[Rating]:
    include = set(counted(assessment))
    return [r for r in await repository.ratings(session, assessment.id) if r.assessor in include]


def _values_by_criterion(ratings: Sequence[Rating]) -> dict[str, dict[str, RatingValue | None]]:
    values: dict[str, dict[str, RatingValue | None]] = {}
    for rating in ratings:
        values.setdefault(rating.criterion_code, {})[rating.assessor] = (
            None if rating.unknown else rating.value
        )
    return values


async def moderation_view(session: AsyncSession, assessment: Assessment) -> ModerationView:
    _ensure_status(assessment, PANEL_VISIBLE, "moderate")
    values = _values_by_criterion(await _counted_ratings(session, assessment))
    return ModerationView(
        assessment_id=assessment.id,
        eligible_assessors=counted(assessment),
        criteria=[
            engine.moderate(c, values.get(c.code, {})) for c in applicable_criteria(assessment)
        ],
    )


async def put_consensus(
    session: AsyncSession,
    assessment: Assessment,
    *,
    code: str,
    data: ConsensusWrite,
    actor: Principal,
) -> ConsensusRating:
    ensure_chair_or_governance(assessment, actor)
    _ensure_status(assessment, frozenset({AssessmentStatus.moderation}), "record consensus")
    criterion = _criterion(assessment, code)
    ratings = [r for r in await _counted_ratings(session, assessment) if r.criterion_code == code]
    value: RatingValue | None = None
    if data.unknown:
        if data.value is not None:
            raise InvalidRating(
                "An unknown consensus has no value.", errors=_body_error("/value", "Omit it.")
            )
    elif data.value is not None:
        value = _check_value(criterion, data.value, "/value")
    elif data.method is ConsensusMethod.median:
        value = engine.median_of(criterion, [r.value for r in ratings if not r.unknown])
        if value is None:
            raise InvalidRating(
                "No assessor gave a value: there is no median. Mark it unknown instead.",
                errors=_body_error("/value", "No median available."),
            )
    else:
        raise InvalidRating(
            "A panel-agreed consensus needs a value (or unknown: true).",
            errors=_body_error("/value", "Required."),
        )
    evidence_level = data.evidence_level
    if evidence_level is None and not data.unknown:
        levels = sorted(r.evidence_level for r in ratings if r.evidence_level is not None)
        evidence_level = levels[(len(levels) - 1) // 2] if levels else None
    return await _store_consensus(
        session,
        assessment,
        code=code,
        value=value,
        unknown=data.unknown,
        evidence_level=evidence_level,
        method=data.method,
        dissent_note=data.dissent_note,
        actor=actor,
    )


async def _store_consensus(
    session: AsyncSession,
    assessment: Assessment,
    *,
    code: str,
    value: RatingValue | None,
    unknown: bool,
    evidence_level: int | None,
    method: ConsensusMethod,
    dissent_note: str,
    actor: Principal,
) -> ConsensusRating:
    existing = {c.criterion_code: c for c in await repository.consensus(session, assessment.id)}
    row = existing.get(code)
    if row is None:
        row = ConsensusRating(assessment_id=assessment.id, criterion_code=code, method=method)
        session.add(row)
    row.value = value
    row.unknown = unknown
    row.evidence_level = evidence_level
    row.method = method
    row.dissent_note = dissent_note
    row.recorded_by = actor.subject
    await session.flush()
    return row


async def adopt_medians(
    session: AsyncSession, assessment: Assessment, *, actor: Principal
) -> Sequence[ConsensusRating]:
    """Consensus = the panel median for every criterion still without one (unknown where no
    assessor gave a value); the chair can then overrule single criteria as panel-agreed."""
    ensure_chair_or_governance(assessment, actor)
    _ensure_status(assessment, frozenset({AssessmentStatus.moderation}), "record consensus")
    done = {c.criterion_code for c in await repository.consensus(session, assessment.id)}
    ratings = await _counted_ratings(session, assessment)
    for criterion in applicable_criteria(assessment):
        if criterion.code in done:
            continue
        mine = [r for r in ratings if r.criterion_code == criterion.code]
        value = engine.median_of(criterion, [r.value for r in mine if not r.unknown])
        levels = sorted(
            r.evidence_level for r in mine if r.evidence_level is not None and not r.unknown
        )
        await _store_consensus(
            session,
            assessment,
            code=criterion.code,
            value=value,
            unknown=value is None,
            evidence_level=levels[(len(levels) - 1) // 2] if levels and value is not None else None,
            method=ConsensusMethod.median,
            dissent_note="",
            actor=actor,
        )
    return await repository.consensus(session, assessment.id)


async def put_complexity(
    session: AsyncSession, assessment: Assessment, *, data: ComplexityWrite, actor: Principal
) -> Sequence[ComplexityEntry]:
    ensure_chair_or_governance(assessment, actor)
    _ensure_status(assessment, COMPLEXITY_OPEN, "record the complexity profile")
    current = {e.nasss_domain: e for e in await repository.complexity(session, assessment.id)}
    for item in data.ratings:
        entry = current.get(item.domain)
        if entry is None:
            entry = ComplexityEntry(
                assessment_id=assessment.id, nasss_domain=item.domain, rating=item.rating
            )
            session.add(entry)
        entry.rating = item.rating
        entry.note = item.note
    await session.flush()
    return await repository.complexity(session, assessment.id)


# -- transitions ---------------------------------------------------------------------------------


async def transition(
    session: AsyncSession,
    assessment: Assessment,
    *,
    to: AssessmentStatus,
    reason: str | None,
    actor: Principal,
) -> Assessment:
    ensure_chair_or_governance(assessment, actor)
    if to not in TRANSITIONS[assessment.status]:
        allowed = ", ".join(sorted(TRANSITIONS[assessment.status])) or "none"
        hint = " `decided` is reached by recording a decision." if to == "decided" else ""
        raise IllegalAssessmentTransition(
            f"An assessment in {assessment.status} cannot move to {to}; allowed: {allowed}.{hint}"
        )
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
                "Say why the assessment is cancelled.", errors=_body_error("/reason", "Required.")
            )
        assessment.cancelled_at = now
        assessment.cancel_reason = reason
        assessment.open_key = None
    assessment.status = to
    set_action(assessment, _ACTIONS[to])
    await session.flush()
    if to is AssessmentStatus.scored:
        await _emit_scored(session, assessment)
    return assessment


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
    ratings = await _counted_ratings(session, assessment)
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
        scored_at=now,
        assessors=counted(assessment),
        score=score,
    )
    assessment.result = result.model_dump(mode="json")
    assessment.scored_at = now
    assessment.overall_score = score.overall
    assessment.confidence = score.confidence.level
    assessment.recommendation = score.recommendation


async def _emit_scored(session: AsyncSession, assessment: Assessment) -> None:
    score = frozen_result(assessment).score
    await emit_event(
        session,
        type_="assessment.scored",
        entity_type="assessment",
        entity_id=assessment.id,
        data={
            "assessment_id": assessment.id,
            "project_id": assessment.project_id,
            "gate": assessment.gate,
            "template_id": assessment.template_id,
            "template_name": assessment.template.name,
            "template_semver": assessment.template.semver,
            "overall": score.overall,
            "confidence": score.confidence.level,
            "recommendation": score.recommendation,
            "failed_gates": [g.criterion for g in score.failed_gates],
            "scored_at": assessment.scored_at,
        },
    )


def frozen_result(assessment: Assessment) -> AssessmentResult:
    if assessment.result is None:
        raise AssessmentNotScored(f"The assessment is {assessment.status}; it has no score yet.")
    return AssessmentResult.model_validate(assessment.result)


# -- reads ---------------------------------------------------------------------------------------


def _domain_scores(assessment: Assessment) -> dict[str, float]:
    if assessment.result is None:
        return {}
    return {
        d["code"]: d["score"]
        for d in assessment.result["score"]["domains"]
        if d["score"] is not None
    }


async def project_history(session: AsyncSession, project_id: uuid.UUID) -> ProjectHistory:
    """Every assessment of the project across gates, oldest first, with the decision taken and
    the change in score since the previous scored assessment at the same gate."""
    rows = await repository.for_project(session, project_id)
    decisions = await repository.current_decisions(session, [row.id for row in rows])
    last_scored: dict[Gate, Assessment] = {}
    entries: list[HistoryEntry] = []
    for row in rows:
        previous = last_scored.get(row.gate)
        change = None
        domain_changes: dict[str, float] = {}
        if previous is not None and row.overall_score is not None:
            assert previous.overall_score is not None
            change = row.overall_score - previous.overall_score
            before, after = _domain_scores(previous), _domain_scores(row)
            domain_changes = {code: after[code] - before[code] for code in after if code in before}
        decision = decisions.get(row.id)
        entries.append(
            HistoryEntry(
                assessment_id=row.id,
                gate=row.gate,
                status=row.status,
                template_id=row.template_id,
                scored_at=row.scored_at,
                overall_score=row.overall_score,
                confidence=row.confidence,
                recommendation=row.recommendation,
                decision_outcome=decision.outcome if decision is not None else None,
                previous_assessment_id=row.previous_assessment_id,
                change_since_previous=change,
                domain_changes=domain_changes,
            )
        )
        if row.overall_score is not None:
            last_scored[row.gate] = row
    return ProjectHistory(project_id=project_id, entries=entries)
