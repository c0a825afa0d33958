"""Rules of developmental evaluation. Functions flush, never commit (see shared/README.md).

Who writes (`shared.project_access.EVALUATION_WORK`, the platform's one project write rule):
`evaluator` (and `admin`) on any evaluation; a `contributor` only on evaluations of projects where
the projects service lists them as an active team member. A concluded evaluation is read-only.
"""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation import repository
from assessment_service.evaluation.errors import (
    AdaptationLocked,
    CrossEvaluationReference,
    EvaluationConcluded,
    EvaluationExists,
    FindingClosed,
    FindingNeedsEvidence,
    IllegalAdaptationTransition,
    IllegalEvaluationTransition,
    IllegalFindingTransition,
    IllegalQuestionTransition,
    LogEntryReviewed,
    NotAuthorisedForProject,
    ObservedEffectRequired,
    QuestionClosed,
    TheoryOfChangeSuperseded,
    UnknownProject,
)
from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationFinding,
    AdaptationKind,
    AdaptationStatus,
    AssumptionStatus,
    DevelopmentalEvaluation,
    EvaluationStatus,
    Finding,
    FindingEvidence,
    FindingStatus,
    LearningBrief,
    LearningLogEntry,
    LearningQuestion,
    QuestionAnswer,
    QuestionStatus,
    SensemakingSession,
    SessionEntry,
    TheoryOfChangeAdaptation,
    TheoryOfChangeVersion,
)
from assessment_service.evaluation.schemas import (
    AdaptationCreate,
    AdaptationPatch,
    AdaptationReviewShare,
    AdaptationTransition,
    AssumptionsPerVersion,
    BriefCreate,
    BriefPatch,
    EvaluationCreate,
    EvaluationMetrics,
    EvaluationPatch,
    FindingCreate,
    FindingPatch,
    FindingTransition,
    LogEntryCreate,
    LogEntryPatch,
    QuestionCreate,
    QuestionPatch,
    SessionCreate,
    SessionPatch,
    TheoryOfChangeCreate,
    TheoryOfChangePatch,
)
from shared.auth import Principal, Role
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.http import ServiceClient
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput
from shared.project_access import EVALUATION_WORK, ProjectsLookup

# Roles that may read free text flagged as personal data; everyone else (notably `reporter`)
# gets those fields omitted. Deny by default: an unknown role sees no personal free text.
_FREE_TEXT_READERS = (
    Role.admin,
    Role.governance,
    Role.evaluator,
    Role.contributor,
    Role.viewer,
    Role.service,
)


def sees_personal_free_text(principal: Principal) -> bool:
    return principal.has_any(*_FREE_TEXT_READERS)


@dataclass(frozen=True)
class Writer:
    """The caller of a write, with what is needed to check their right to write."""

    principal: Principal
    projects: ServiceClient


# -- the projects service ----------------------------------------------------------------------


async def ensure_project_exists(projects: ServiceClient, project_id: uuid.UUID) -> None:
    # As this service (a reference check): the caller's own token may not read the project.
    if await projects.fetch_json(f"/v1/projects/{project_id}", as_service=True) is None:
        raise UnknownProject(
            f"The projects service has no project {project_id}.",
            errors=[FieldError(pointer="/project_id", location="body", detail="Unknown project.")],
        )


async def authorize(writer: Writer, project_id: uuid.UUID) -> None:
    """The platform's project write rule for evaluations (`shared.project_access`)."""
    await EVALUATION_WORK.require(
        writer.principal,
        [project_id],
        ProjectsLookup(writer.projects),
        error=NotAuthorisedForProject,
    )


async def writable(writer: Writer, evaluation: DevelopmentalEvaluation) -> None:
    if evaluation.status is EvaluationStatus.concluded:
        raise EvaluationConcluded("Reopen is not possible; the evaluation is concluded.")
    await authorize(writer, evaluation.project_id)


async def _same_evaluation(
    session: AsyncSession,
    model: Any,
    evaluation_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
    field: str,
) -> None:
    found = await repository.ids_in_evaluation(session, model, evaluation_id, ids)
    errors = [
        FieldError(
            pointer=f"/{field}/{index}",
            location="body",
            detail="Not a record of this evaluation.",
        )
        for index, value in enumerate(ids)
        if value not in found
    ]
    if errors:
        raise CrossEvaluationReference("Link only records of the same evaluation.", errors=errors)


def _dates_in_order(start: dt.date | None, end: dt.date | None, end_field: str) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            f"{end_field} must not be before the start.",
            errors=[FieldError(pointer=f"/{end_field}", location="body", detail="Before start.")],
        )


# -- evaluations -------------------------------------------------------------------------------

_EVALUATION_NEXT = {
    EvaluationStatus.planned: EvaluationStatus.active,
    EvaluationStatus.active: EvaluationStatus.concluded,
}


async def create_evaluation(
    session: AsyncSession, *, data: EvaluationCreate, writer: Writer
) -> DevelopmentalEvaluation:
    await ensure_project_exists(writer.projects, data.project_id)
    await authorize(writer, data.project_id)
    if await repository.get_evaluation_by_project(session, data.project_id) is not None:
        raise EvaluationExists(f"Project {data.project_id} already has one; update that one.")
    evaluation = DevelopmentalEvaluation(
        created_by=writer.principal.subject, **data.model_dump(mode="json")
    )
    evaluation.project_id = data.project_id
    evaluation.start_date, evaluation.end_date = data.start_date, data.end_date
    session.add(evaluation)
    try:
        # A savepoint: a concurrent creation for the same project loses on the unique index.
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise EvaluationExists(f"Project {data.project_id} already has one.") from exc
    return evaluation


async def update_evaluation(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: EvaluationPatch,
    writer: Writer,
) -> DevelopmentalEvaluation:
    await writable(writer, evaluation)
    changes = merge_patch_changes(
        patch,
        required=(
            "purpose",
            "evaluators",
            "primary_intended_users",
            "principles_applied",
            "sensemaking_cadence",
        ),
    )
    if len(set(changes.get("principles_applied") or [])) != len(
        changes.get("principles_applied") or []
    ):
        raise InvalidInput(
            "principles_applied must not repeat.",
            errors=[FieldError(pointer="/principles_applied", location="body", detail="Repeats.")],
        )
    _dates_in_order(
        changes.get("start_date", evaluation.start_date),
        changes.get("end_date", evaluation.end_date),
        "end_date",
    )
    apply_changes(evaluation, changes)
    await session.flush()
    return evaluation


async def transition_evaluation(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    to: EvaluationStatus,
    writer: Writer,
) -> DevelopmentalEvaluation:
    await authorize(writer, evaluation.project_id)
    if _EVALUATION_NEXT.get(evaluation.status) is not to:
        raise IllegalEvaluationTransition(
            f"A {evaluation.status.value} evaluation cannot become {to.value}."
        )
    evaluation.status = to
    set_action(evaluation, to.value)
    await session.flush()
    return evaluation


# -- learning questions ------------------------------------------------------------------------


async def create_question(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: QuestionCreate,
    writer: Writer,
) -> LearningQuestion:
    await writable(writer, evaluation)
    question = LearningQuestion(
        evaluation_id=evaluation.id,
        text=data.text,
        raised_at=data.raised_at or utcnow(),
        created_by=writer.principal.subject,
        answer_links=[],
    )
    session.add(question)
    await session.flush()
    return question


def _open(question: LearningQuestion) -> None:
    if question.status is not QuestionStatus.open:
        raise IllegalQuestionTransition(f"The question is {question.status.value}.")


async def update_question(
    session: AsyncSession,
    question: LearningQuestion,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: QuestionPatch,
    writer: Writer,
) -> LearningQuestion:
    await writable(writer, evaluation)
    if question.status is not QuestionStatus.open:
        raise QuestionClosed(f"The question is {question.status.value}; reframe instead.")
    apply_changes(question, merge_patch_changes(patch, required=("text",)))
    await session.flush()
    return question


async def answer_question(
    session: AsyncSession,
    question: LearningQuestion,
    evaluation: DevelopmentalEvaluation,
    *,
    finding_ids: Sequence[uuid.UUID],
    writer: Writer,
) -> LearningQuestion:
    await writable(writer, evaluation)
    _open(question)
    await _same_evaluation(session, Finding, evaluation.id, finding_ids, "finding_ids")
    question.status = QuestionStatus.answered
    question.closed_at = utcnow()
    question.answer_links = [QuestionAnswer(finding_id=finding_id) for finding_id in finding_ids]
    set_action(question, "answered")
    await session.flush()
    return question


async def retire_question(
    session: AsyncSession,
    question: LearningQuestion,
    evaluation: DevelopmentalEvaluation,
    *,
    writer: Writer,
) -> LearningQuestion:
    await writable(writer, evaluation)
    _open(question)
    question.status = QuestionStatus.retired
    question.closed_at = utcnow()
    set_action(question, "retired")
    await session.flush()
    return question


async def reframe_question(
    session: AsyncSession,
    question: LearningQuestion,
    evaluation: DevelopmentalEvaluation,
    *,
    text: str,
    writer: Writer,
) -> LearningQuestion:
    """Close `question` as reframed and open its successor, which links back to it."""
    await writable(writer, evaluation)
    _open(question)
    now = utcnow()
    question.status = QuestionStatus.reframed
    question.closed_at = now
    set_action(question, "reframed")
    successor = LearningQuestion(
        evaluation_id=evaluation.id,
        text=text,
        raised_at=now,
        reframed_from_id=question.id,
        created_by=writer.principal.subject,
        answer_links=[],
    )
    session.add(successor)
    await session.flush()
    return successor


# -- learning log ------------------------------------------------------------------------------


def _log_values(data: LogEntryCreate | dict[str, Any]) -> dict[str, Any]:
    values = data.model_dump() if isinstance(data, LogEntryCreate) else dict(data)
    if "refs" in values and values["refs"] is not None:
        values["refs"] = [
            {"kind": str(ref["kind"]), "id": str(ref["id"])} for ref in values["refs"]
        ]
    return values


async def create_log_entry(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: LogEntryCreate,
    writer: Writer,
    corrects: LearningLogEntry | None = None,
) -> LearningLogEntry:
    await writable(writer, evaluation)
    entry = LearningLogEntry(
        evaluation_id=evaluation.id,
        recorded_by=writer.principal.subject,
        corrects_id=corrects.id if corrects is not None else None,
        # A new entry has no reviews or corrections yet (the relationships never lazy-load).
        review_links=[],
        corrections=[],
        **_log_values(data),
    )
    session.add(entry)
    await session.flush()
    return entry


async def update_log_entry(
    session: AsyncSession,
    entry: LearningLogEntry,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: LogEntryPatch,
    writer: Writer,
) -> LearningLogEntry:
    await writable(writer, evaluation)
    if await repository.is_reviewed(session, entry.id):
        raise LogEntryReviewed(
            "Reviewed entries are append-only: POST a correction to "
            f"/v1/evaluation/log-entries/{entry.id}/corrections."
        )
    changes = merge_patch_changes(
        patch,
        required=("observed_at", "source", "summary", "refs", "tags", "contains_personal_data"),
    )
    apply_changes(entry, _log_values(changes))
    await session.flush()
    return entry


# -- sensemaking sessions ----------------------------------------------------------------------


async def create_session(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: SessionCreate,
    writer: Writer,
) -> SensemakingSession:
    await writable(writer, evaluation)
    await _same_evaluation(
        session, LearningLogEntry, evaluation.id, data.data_reviewed, "data_reviewed"
    )
    record = SensemakingSession(
        evaluation_id=evaluation.id,
        held_at=data.held_at,
        format=data.format,
        participants=data.participants,
        what=data.what,
        so_what=data.so_what,
        now_what=data.now_what,
        actions=[action.model_dump(mode="json") for action in data.actions],
        recorded_by=writer.principal.subject,
        entry_links=[SessionEntry(log_entry_id=entry_id) for entry_id in data.data_reviewed],
    )
    session.add(record)
    await session.flush()
    return record


async def update_session(
    session: AsyncSession,
    record: SensemakingSession,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: SessionPatch,
    writer: Writer,
) -> SensemakingSession:
    await writable(writer, evaluation)
    changes = merge_patch_changes(
        patch, required=("participants", "what", "so_what", "now_what", "actions")
    )
    if "actions" in changes:
        changes["actions"] = [
            {key: str(value) if isinstance(value, dt.date) else value for key, value in a.items()}
            for a in changes["actions"]
        ]
    apply_changes(record, changes)
    await session.flush()
    return record


# -- findings ----------------------------------------------------------------------------------

_FINDING_NEXT: dict[FindingStatus, frozenset[FindingStatus]] = {
    FindingStatus.emerging: frozenset({FindingStatus.tested, FindingStatus.refuted}),
    FindingStatus.tested: frozenset({FindingStatus.confirmed, FindingStatus.refuted}),
}
_NEEDS_EVIDENCE = frozenset({FindingStatus.tested, FindingStatus.confirmed})


def _touch(entity: Any) -> None:
    """Links changed but no column did: bump `updated_at` (and so the ETag version) anyway, so
    `updated_since` and `If-Match` see the change."""
    entity.updated_at = utcnow()


async def create_finding(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: FindingCreate,
    writer: Writer,
) -> Finding:
    await writable(writer, evaluation)
    await _same_evaluation(
        session, LearningLogEntry, evaluation.id, data.evidence_log_ids, "evidence_log_ids"
    )
    finding = Finding(
        evaluation_id=evaluation.id,
        statement=data.statement,
        confidence=data.confidence,
        first_seen_at=data.first_seen_at or utcnow(),
        implications=data.implications,
        recorded_by=writer.principal.subject,
        evidence_links=[FindingEvidence(log_entry_id=i) for i in data.evidence_log_ids],
    )
    finding.evaluation = evaluation
    session.add(finding)
    await session.flush()
    return finding


def _relink(current: list[Any], wanted: Sequence[uuid.UUID], key: str, factory: Any) -> list[Any]:
    """The new link collection: keep the links still wanted (same rows), add the new ones."""
    kept = [link for link in current if getattr(link, key) in wanted]
    have = {getattr(link, key) for link in kept}
    return kept + [factory(value) for value in wanted if value not in have]


async def update_finding(
    session: AsyncSession,
    finding: Finding,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: FindingPatch,
    writer: Writer,
) -> Finding:
    await writable(writer, evaluation)
    if finding.status in (FindingStatus.confirmed, FindingStatus.refuted):
        raise FindingClosed(f"The finding is {finding.status.value}; record a new one.")
    changes = merge_patch_changes(
        patch,
        required=("statement", "confidence", "first_seen_at", "implications", "evidence_log_ids"),
    )
    evidence = changes.pop("evidence_log_ids", None)
    if evidence is not None:
        await _same_evaluation(
            session, LearningLogEntry, evaluation.id, evidence, "evidence_log_ids"
        )
        if not evidence and finding.status is FindingStatus.tested:
            raise FindingNeedsEvidence("A tested finding keeps at least one evidence entry.")
        if set(evidence) != set(finding.evidence_log_ids):
            finding.evidence_links = _relink(
                finding.evidence_links,
                evidence,
                "log_entry_id",
                lambda value: FindingEvidence(log_entry_id=value),
            )
            _touch(finding)
    apply_changes(finding, changes)
    await session.flush()
    return finding


async def transition_finding(
    session: AsyncSession,
    finding: Finding,
    evaluation: DevelopmentalEvaluation,
    *,
    data: FindingTransition,
    writer: Writer,
) -> Finding:
    await writable(writer, evaluation)
    if data.to not in _FINDING_NEXT.get(finding.status, frozenset()):
        raise IllegalFindingTransition(
            f"A {finding.status.value} finding cannot become {data.to.value}."
        )
    if data.to in _NEEDS_EVIDENCE and not finding.evidence_links:
        raise FindingNeedsEvidence("Link the log entries behind it first (evidence_log_ids).")
    finding.status = data.to
    if data.confidence is not None:
        finding.confidence = data.confidence
    set_action(finding, data.to.value)
    await session.flush()
    return finding


# -- adaptation decisions ----------------------------------------------------------------------

_ADAPTATION_NEXT = {
    AdaptationStatus.proposed: AdaptationStatus.agreed,
    AdaptationStatus.agreed: AdaptationStatus.implemented,
    AdaptationStatus.implemented: AdaptationStatus.reviewed,
}
# Linking the outcome-map version a pivot led to is bookkeeping, allowed at any status.
_ALWAYS_EDITABLE = frozenset({"outcome_map_change_ref"})


async def create_adaptation(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: AdaptationCreate,
    writer: Writer,
) -> AdaptationDecision:
    await writable(writer, evaluation)
    await _same_evaluation(session, Finding, evaluation.id, data.finding_ids, "finding_ids")
    values = data.model_dump(exclude={"finding_ids", "decided_at"})
    adaptation = AdaptationDecision(
        evaluation_id=evaluation.id,
        decided_at=data.decided_at or utcnow(),
        recorded_by=writer.principal.subject,
        finding_links=[AdaptationFinding(finding_id=i) for i in data.finding_ids],
        **values,
    )
    session.add(adaptation)
    await session.flush()
    return adaptation


async def update_adaptation(
    session: AsyncSession,
    adaptation: AdaptationDecision,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: AdaptationPatch,
    writer: Writer,
) -> AdaptationDecision:
    await writable(writer, evaluation)
    changes = merge_patch_changes(
        patch,
        required=(
            "kind",
            "summary",
            "rationale",
            "decided_at",
            "finding_ids",
            "alternatives_considered",
            "decided_by",
            "expected_effect",
        ),
    )
    if adaptation.status is not AdaptationStatus.proposed and set(changes) - _ALWAYS_EDITABLE:
        raise AdaptationLocked(
            f"The adaptation is {adaptation.status.value}; only outcome_map_change_ref may change."
        )
    finding_ids = changes.pop("finding_ids", None)
    if finding_ids is not None:
        await _same_evaluation(session, Finding, evaluation.id, finding_ids, "finding_ids")
        if set(finding_ids) != set(adaptation.finding_ids):
            adaptation.finding_links = _relink(
                adaptation.finding_links,
                finding_ids,
                "finding_id",
                lambda value: AdaptationFinding(finding_id=value),
            )
            _touch(adaptation)
    apply_changes(adaptation, changes)
    await session.flush()
    return adaptation


async def transition_adaptation(
    session: AsyncSession,
    adaptation: AdaptationDecision,
    evaluation: DevelopmentalEvaluation,
    *,
    data: AdaptationTransition,
    writer: Writer,
) -> AdaptationDecision:
    await writable(writer, evaluation)
    if _ADAPTATION_NEXT.get(adaptation.status) is not data.to:
        raise IllegalAdaptationTransition(
            f"A {adaptation.status.value} adaptation cannot become {data.to.value}."
        )
    when = data.at or utcnow()
    if data.to is AdaptationStatus.reviewed:
        if not data.observed_effect:
            raise ObservedEffectRequired(
                "Say what effect was observed.",
                errors=[
                    FieldError(
                        pointer="/observed_effect",
                        location="body",
                        detail="Required to mark the adaptation reviewed.",
                    )
                ],
            )
        adaptation.observed_effect = data.observed_effect
        adaptation.reviewed_at = when
    elif data.to is AdaptationStatus.agreed:
        adaptation.agreed_at = when
    else:
        adaptation.implemented_at = when
    adaptation.status = data.to
    set_action(adaptation, data.to.value)
    await session.flush()
    if data.to is AdaptationStatus.implemented and adaptation.kind is AdaptationKind.pivot:
        # The contract with the projects service (DOMAIN.md A4): exactly these fields; it
        # prompts a new outcome-map version on the project.
        await emit_event(
            session,
            type_="adaptation.implemented",
            entity_type="adaptation",
            entity_id=adaptation.id,
            data={
                "adaptation_id": adaptation.id,
                "evaluation_id": evaluation.id,
                "project_id": evaluation.project_id,
                "kind": adaptation.kind,
                "implemented_at": when,
                "summary": adaptation.summary,
            },
        )
    return adaptation


# -- theory of change --------------------------------------------------------------------------


async def create_toc_version(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: TheoryOfChangeCreate,
    writer: Writer,
) -> TheoryOfChangeVersion:
    await writable(writer, evaluation)
    await _same_evaluation(
        session, AdaptationDecision, evaluation.id, data.changed_because, "changed_because"
    )
    await repository.lock_evaluation(session, evaluation.id)
    version = TheoryOfChangeVersion(
        evaluation_id=evaluation.id,
        number=await repository.last_toc_number(session, evaluation.id) + 1,
        narrative=data.narrative,
        assumptions=[assumption.model_dump(mode="json") for assumption in data.assumptions],
        recorded_by=writer.principal.subject,
        adaptation_links=[TheoryOfChangeAdaptation(adaptation_id=i) for i in data.changed_because],
    )
    session.add(version)
    await session.flush()
    return version


async def update_toc_version(
    session: AsyncSession,
    version: TheoryOfChangeVersion,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: TheoryOfChangePatch,
    writer: Writer,
) -> TheoryOfChangeVersion:
    await writable(writer, evaluation)
    if await repository.last_toc_number(session, evaluation.id) > version.number:
        raise TheoryOfChangeSuperseded(
            f"Version {version.number} has been superseded; revise the latest version."
        )
    changes = merge_patch_changes(patch, required=("narrative", "assumptions", "changed_because"))
    changed_because = changes.pop("changed_because", None)
    if changed_because is not None:
        await _same_evaluation(
            session, AdaptationDecision, evaluation.id, changed_because, "changed_because"
        )
        if set(changed_because) != set(version.changed_because):
            version.adaptation_links = _relink(
                version.adaptation_links,
                changed_because,
                "adaptation_id",
                lambda value: TheoryOfChangeAdaptation(adaptation_id=value),
            )
            _touch(version)
    if "assumptions" in changes:
        changes["assumptions"] = [
            {"text": a["text"], "status": str(a["status"])} for a in changes["assumptions"]
        ]
    apply_changes(version, changes)
    await session.flush()
    return version


# -- learning briefs ---------------------------------------------------------------------------


async def create_brief(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: BriefCreate,
    writer: Writer,
) -> LearningBrief:
    await writable(writer, evaluation)
    brief = LearningBrief(
        evaluation_id=evaluation.id,
        recorded_by=writer.principal.subject,
        **{**data.model_dump(), "uri": str(data.uri) if data.uri else None},
    )
    session.add(brief)
    await session.flush()
    return brief


async def update_brief(
    session: AsyncSession,
    brief: LearningBrief,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: BriefPatch,
    writer: Writer,
) -> LearningBrief:
    await writable(writer, evaluation)
    changes = merge_patch_changes(
        patch, required=("title", "period_start", "period_end", "audience", "key_messages")
    )
    if changes.get("uri") is not None:
        changes["uri"] = str(changes["uri"])
    _dates_in_order(
        changes.get("period_start", brief.period_start),
        changes.get("period_end", brief.period_end),
        "period_end",
    )
    apply_changes(brief, changes)
    await session.flush()
    return brief


# -- metrics -----------------------------------------------------------------------------------


def _days(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 86_400


def median_days(pairs: Iterable[tuple[dt.datetime, dt.datetime]]) -> float | None:
    days = [_days(first_seen, first_adaptation) for first_seen, first_adaptation in pairs]
    return round(statistics.median(days), 2) if days else None


def review_share(
    reviews: Iterable[tuple[dt.date, dt.datetime | None]], today: dt.date
) -> AdaptationReviewShare:
    """Due: the review date has passed, or the adaptation was reviewed (early reviews count).
    On time: reviewed on or before its review date (UTC day)."""
    due = on_time = 0
    for review_at, reviewed_at in reviews:
        if reviewed_at is None and review_at >= today:
            continue  # not yet due
        due += 1
        if reviewed_at is not None and reviewed_at.astimezone(dt.UTC).date() <= review_at:
            on_time += 1
    return AdaptationReviewShare(
        due=due,
        reviewed_by_review_date=on_time,
        share=round(on_time / due, 4) if due else None,
    )


async def metrics(
    session: AsyncSession, evaluation: DevelopmentalEvaluation, *, now: dt.datetime | None = None
) -> EvaluationMetrics:
    now = now or utcnow()
    today = now.date()
    pairs = await repository.finding_first_adaptations(session, evaluation.id)
    versions = await repository.toc_versions(session, evaluation.id)
    return EvaluationMetrics(
        evaluation_id=evaluation.id,
        generated_at=now,
        as_of_date=today,
        open_questions=await repository.count_open_questions(session, evaluation.id),
        findings_with_adaptation=len(pairs),
        median_days_finding_to_first_adaptation=median_days(pairs),
        adaptations_reviewed=review_share(
            await repository.adaptation_reviews(session, evaluation.id), today
        ),
        assumptions_challenged_per_version=[
            AssumptionsPerVersion(
                version_id=version.id,
                number=version.number,
                assumptions=len(version.assumptions),
                challenged=sum(
                    1 for a in version.assumptions if a.get("status") == AssumptionStatus.challenged
                ),
            )
            for version in versions
        ],
    )
