"""The assessment side of a decision's evidence pack (issue #11 report 2), as it stood when the
decision was recorded.

What was fixed then is read as it is: the decision (never edited), the assessment's frozen result
(score, confidence components, failed gates, the template name and version; frozen at scoring,
before any decision), the counted assessors' ratings (closed to edits once rating ends) and the
consensus. What can change later is read as of `as_of`: the conditions' status, the decision's
own status and the correction that superseded it. The developmental-evaluation items are those
that happened and had been recorded by the decision's `decided_at`, since the project's previous
decision on another assessment (or since `from`).

Reporter and viewer callers get no personal fields: who decided, who dissented, condition owners
and the panel chair are null, assessors are numbered, and log entries flagged as personal data
lose their text.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.aggregates.errors import InvalidPeriod
from assessment_service.aggregates.evidence_schemas import (
    AssessorRating,
    DecisionEvidence,
    DecisionRef,
    EvaluationEvidence,
    EvidenceAssessment,
    EvidenceCondition,
    EvidenceCriterion,
    EvidenceDecision,
    EvidenceDissent,
    LearningItem,
    TemplateVersion,
    TheoryOfChange,
)
from assessment_service.aggregates.repository import evidence as repository
from assessment_service.aggregates.service.window import resolve
from assessment_service.assessments import repository as assessments
from assessment_service.assessments.models import Assessment, Rating
from assessment_service.assessments.service.rules import PANEL_VISIBLE
from assessment_service.assessments.service.workflow import frozen_result
from assessment_service.decisions import service as decisions
from assessment_service.decisions.errors import DecisionNotFound
from assessment_service.decisions.models import (
    ConditionStatus,
    Decision,
    DecisionCondition,
    DecisionStatus,
)
from assessment_service.decisions.schemas import Citation
from assessment_service.evaluation.evaluations import repository as evaluations
from assessment_service.evaluation.models import TimelineKind
from assessment_service.scoring import engine
from shared.auth import Principal, Role
from shared.problems import FieldError

# Who reads the pack with names; everyone else allowed in (reporter, viewer) reads it without.
_NAMED_READERS = (Role.governance, Role.admin, Role.service)
LEARNING_KINDS = (
    TimelineKind.log_entry,
    TimelineKind.finding,
    TimelineKind.adaptation,
    TimelineKind.theory_of_change,
)
# A pack lists at most this many learning items (the newest); `truncated` says when more exist.
MAX_LEARNING_ITEMS = 200

DEFINITIONS: dict[str, str] = {
    "decision.status": "The decision's status as of as_of: superseded once a correction was "
    "recorded, conditions_open while a condition was open, closed once none was.",
    "decision.followed_recommendation": "The outcome equals the scoring engine's computed "
    "recommendation at the time of the decision.",
    "assessment": "The assessment's frozen result, fixed when it was scored (before the "
    "decision): the template name and version it used, overall and domain scores, assessor "
    "range, confidence components and failed gates.",
    "criteria.consensus": "The moderated (consensus) value each criterion was scored on.",
    "criteria.spread": "The highest minus the lowest assessor position on the scale, 0-1.",
    "criteria.outliers": "Assessors whose value is half a scale or more from the panel median, "
    "with three or more known values.",
    "confidence": "The minimum of coverage (weighted share rated), evidence (mean normalised "
    "evidence level) and agreement (1 minus the mean spread), cut at the policy's thresholds.",
    "evaluation.items": "Learning-log entries, findings, adaptation decisions and "
    "theory-of-change versions of the project's evaluation that happened in [from, decided_at] "
    "and were recorded by decided_at.",
    "evaluation.theory_of_change": "The latest theory-of-change version recorded by decided_at.",
}


def sees_names(principal: Principal) -> bool:
    return principal.has_any(*_NAMED_READERS)


async def decision_evidence(
    session: AsyncSession,
    decision_id: uuid.UUID,
    *,
    principal: Principal,
    as_of: dt.datetime | None,
    period_from: dt.datetime | None,
) -> DecisionEvidence:
    as_of = resolve(as_of=as_of, period_from=None, period_to=None, location="query").as_of
    decision = await decisions.get_decision(session, decision_id)
    if decision.decided_at > as_of:
        raise DecisionNotFound(f"Decision {decision_id} was recorded after `as_of`.")
    if period_from is not None and period_from > decision.decided_at:
        raise InvalidPeriod(
            "`from` must not be after the decision.",
            errors=[FieldError(pointer="/from", location="query", detail="After the decision.")],
        )
    named = sees_names(principal)
    assessment = await assessments.get(session, decision.assessment_id)
    assert assessment is not None  # a decision's assessment is never deleted
    return DecisionEvidence(
        as_of=as_of,
        decision=await _decision(session, decision, as_of=as_of, named=named),
        assessment=await _assessment(session, assessment, named=named),
        evaluation=await _evaluation(
            session,
            decision,
            period_from=period_from or await repository.previous_decided_at(session, decision),
            named=named,
        ),
        definitions=DEFINITIONS,
    )


def _ref(decision: Decision | None) -> DecisionRef | None:
    if decision is None:
        return None
    return DecisionRef(
        id=decision.id,
        outcome=decision.outcome,
        decided_at=decision.decided_at,
        forum=decision.forum,
    )


def _condition(
    condition: DecisionCondition, *, as_of: dt.datetime, named: bool
) -> EvidenceCondition:
    closed = condition.closed_at is not None and condition.closed_at <= as_of
    status = condition.status if closed else ConditionStatus.open
    return EvidenceCondition(
        id=condition.id,
        text=condition.text,
        owner=condition.owner if named else None,
        due_date=condition.due_date,
        status=status,
        closed_at=condition.closed_at if closed else None,
        past_due=not closed and condition.due_date < as_of.date(),
    )


async def _decision(
    session: AsyncSession, decision: Decision, *, as_of: dt.datetime, named: bool
) -> EvidenceDecision:
    conditions = [_condition(c, as_of=as_of, named=named) for c in decision.conditions]
    successor = await repository.successor(session, decision.id, as_of=as_of)
    supersedes = (
        None
        if decision.supersedes_id is None
        else await decisions.get_decision(session, decision.supersedes_id)
    )
    if successor is not None:
        status = DecisionStatus.superseded
    elif conditions:
        still_open = any(c.status is ConditionStatus.open for c in conditions)
        status = DecisionStatus.conditions_open if still_open else DecisionStatus.closed
    else:
        status = DecisionStatus.recorded
    return EvidenceDecision(
        id=decision.id,
        project_id=decision.project_id,
        assessment_id=decision.assessment_id,
        gate=decision.gate,
        outcome=decision.outcome,
        computed_recommendation=decision.computed_recommendation,
        followed_recommendation=decision.outcome == decision.computed_recommendation,
        rationale=decision.rationale,
        forum=decision.forum,
        meeting_date=decision.meeting_date,
        minutes_ref=decision.minutes_ref,
        review_by=decision.review_by,
        decided_by=decision.decided_by if named else None,
        decided_at=decision.decided_at,
        status=status,
        conditions=conditions,
        dissent=[
            EvidenceDissent(member=d.get("member") if named else None, note=str(d.get("note", "")))
            for d in decision.dissent
        ],
        citations=[Citation.model_validate(c) for c in decision.citations],
        supersedes=_ref(supersedes),
        superseded_by=_ref(successor),
    )


def _labels(subjects: list[str], *, named: bool) -> dict[str, str]:
    ordered = sorted(set(subjects))
    if named:
        return {subject: subject for subject in ordered}
    return {subject: f"assessor-{n}" for n, subject in enumerate(ordered, start=1)}


async def _assessment(
    session: AsyncSession, assessment: Assessment, *, named: bool
) -> EvidenceAssessment:
    result = frozen_result(assessment)
    score = result.score
    definition = assessment.template.definition()
    counted = set(result.assessors)
    ratings: dict[str, list[Rating]] = defaultdict(list)
    if assessment.status in PANEL_VISIBLE:  # only once moderated (always, for a decision)
        for rating in await assessments.ratings(session, assessment.id):
            if rating.assessor in counted:
                ratings[rating.criterion_code].append(rating)
    consensus = {c.criterion_code: c for c in await assessments.consensus(session, assessment.id)}
    everyone = [*result.assessors, *score.assessor_overall]
    for criterion in score.criteria:
        everyone.extend(criterion.assessor_values)
    label = _labels(everyone, named=named)
    criteria: list[EvidenceCriterion] = []
    for item in score.criteria:
        rule = definition.criterion(item.code)
        moderation = engine.moderate(rule, item.assessor_values) if rule is not None else None
        agreed = consensus.get(item.code)
        criteria.append(
            EvidenceCriterion(
                code=item.code,
                domain=item.domain,
                scale=item.scale,
                weight=item.weight,
                required=item.required,
                is_gate=item.is_gate,
                gate_passed=item.gate_passed,
                consensus=item.value,
                consensus_method=agreed.method if agreed is not None else None,
                dissent_note=agreed.dissent_note if agreed is not None else "",
                unknown=item.unknown,
                normalised=item.normalised,
                evidence_level=item.evidence_level,
                evidence_shortfall=item.evidence_shortfall,
                median=moderation.median if moderation is not None else None,
                spread=item.spread,
                high_spread=moderation.high_spread if moderation is not None else False,
                outliers=[label[a] for a in (moderation.outliers if moderation else [])],
                ratings=[
                    AssessorRating(
                        assessor=label[r.assessor],
                        value=None if r.unknown else r.value,
                        unknown=r.unknown,
                        evidence_level=r.evidence_level,
                        rationale=r.rationale,
                    )
                    for r in sorted(ratings.get(item.code, []), key=lambda r: label[r.assessor])
                ],
            )
        )
    return EvidenceAssessment(
        id=assessment.id,
        gate=assessment.gate,
        template=TemplateVersion(
            id=result.template.id,
            name=result.template.name,
            version=result.template.semver,
            status_when_scored=result.template.status_when_scored,
        ),
        context=result.context,
        panel_chair=assessment.panel_chair if named else None,
        assessors=sorted(label[a] for a in result.assessors),
        scored_at=result.scored_at,
        overall=score.overall,
        range_min=score.range_min,
        range_max=score.range_max,
        assessor_overall={label[a]: v for a, v in score.assessor_overall.items()},
        recommendation=score.recommendation,
        reasons=score.reasons,
        confidence=score.confidence,
        failed_gates=score.failed_gates,
        domains=score.domains,
        criteria=criteria,
        not_applicable=score.not_applicable,
        complexity=score.complexity,
    )


async def _evaluation(
    session: AsyncSession,
    decision: Decision,
    *,
    period_from: dt.datetime | None,
    named: bool,
) -> EvaluationEvidence | None:
    evaluation = await evaluations.get_by_project(session, decision.project_id)
    if evaluation is None or evaluation.created_at > decision.decided_at:
        return None
    rows, pivots = await repository.learning_items(
        session,
        evaluation.id,
        kinds=LEARNING_KINDS,
        occurred_from=period_from,
        until=decision.decided_at,
        limit=MAX_LEARNING_ITEMS + 1,
    )
    version = await repository.theory_of_change_at(session, evaluation.id, at=decision.decided_at)
    items = [
        LearningItem(
            kind=row.kind,
            id=row.id,
            occurred_at=row.occurred_at,
            recorded_at=row.recorded_at,
            pivot=bool(row.pivot),
            contains_personal_data=bool(row.contains_personal_data),
            text=None if row.contains_personal_data and not named else row.text,
        )
        for row in rows[:MAX_LEARNING_ITEMS]
    ]
    return EvaluationEvidence(
        evaluation_id=evaluation.id,
        period_from=period_from,
        period_to=decision.decided_at,
        items=items[::-1],
        truncated=len(rows) > MAX_LEARNING_ITEMS,
        pivots=pivots,
        theory_of_change=None
        if version is None
        else TheoryOfChange(
            id=version.id,
            number=version.number,
            narrative=version.narrative,
            assumptions=version.assumptions,
            created_at=version.created_at,
        ),
    )
