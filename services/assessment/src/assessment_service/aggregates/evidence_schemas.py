"""Aggregates: the body of the assessment side of a decision's evidence pack (issue #11 report 2).

Fields that name a person (who decided, who dissented, condition owners, the panel chair) are
null for `reporter` and `viewer` callers; assessors are then `assessor-1`, `assessor-2`, ...
(numbered in the order of their subjects), so the spread and outliers stay readable.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assessment_service.assessments.models import ConsensusMethod
from assessment_service.decisions.models import ConditionStatus, DecisionStatus
from assessment_service.decisions.schemas import Citation
from assessment_service.evaluation.models import TimelineKind
from assessment_service.frameworks.definition import Gate, Outcome
from assessment_service.frameworks.scales import RatingValue
from assessment_service.scoring.engine import (
    ComplexityProfile,
    ConfidenceResult,
    DomainResult,
    FailedGate,
)


class DecisionRef(BaseModel):
    id: uuid.UUID
    outcome: Outcome
    decided_at: dt.datetime
    forum: str


class EvidenceCondition(BaseModel):
    id: uuid.UUID
    text: str
    owner: str | None = Field(description="Null for reporter and viewer.")
    due_date: dt.date
    status: ConditionStatus = Field(description="As of `as_of`.")
    closed_at: dt.datetime | None = Field(description="Null while open as of `as_of`.")
    past_due: bool = Field(description="Open as of `as_of` and due before its date.")


class EvidenceDissent(BaseModel):
    member: str | None = Field(description="Null for reporter and viewer.")
    note: str


class EvidenceDecision(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    assessment_id: uuid.UUID
    gate: Gate
    outcome: Outcome
    computed_recommendation: Outcome
    followed_recommendation: bool = Field(description="The outcome is the recommendation.")
    rationale: str
    forum: str
    meeting_date: dt.date | None
    minutes_ref: str | None
    review_by: dt.date | None
    decided_by: str | None = Field(description="Null for reporter and viewer.")
    decided_at: dt.datetime
    status: DecisionStatus = Field(description="As of `as_of`.")
    conditions: list[EvidenceCondition]
    dissent: list[EvidenceDissent]
    citations: list[Citation] = Field(
        description="Developmental-evaluation items the decision cites, as they read then."
    )
    supersedes: DecisionRef | None
    superseded_by: DecisionRef | None = Field(
        description="The correction that replaced it, when recorded at or before `as_of`."
    )


class TemplateVersion(BaseModel):
    id: uuid.UUID
    name: str
    version: str = Field(description="The template's semver, pinned by the assessment.")
    status_when_scored: str


class AssessorRating(BaseModel):
    assessor: str = Field(description="The subject; `assessor-<n>` for reporter and viewer.")
    value: RatingValue | None = Field(description="Null when unknown.")
    unknown: bool
    evidence_level: int | None
    rationale: str


class EvidenceCriterion(BaseModel):
    code: str
    domain: str
    scale: str
    weight: float
    required: bool
    is_gate: bool
    gate_passed: bool | None
    consensus: RatingValue | None = Field(description="The moderated value the score used.")
    consensus_method: ConsensusMethod | None
    dissent_note: str
    unknown: bool
    normalised: float | None
    evidence_level: int | None
    evidence_shortfall: bool
    median: RatingValue | None = Field(description="The panel median of the assessors' values.")
    spread: float | None = Field(description="Max minus min of the assessors' positions, 0-1.")
    high_spread: bool
    outliers: list[str] = Field(description="Assessors half a scale or more from the median.")
    ratings: list[AssessorRating] = Field(
        description="Every counted assessor's own rating (the assessment is past moderation)."
    )


class EvidenceAssessment(BaseModel):
    id: uuid.UUID
    gate: Gate
    template: TemplateVersion
    context: dict[str, Any] = Field(description="The project as the assessment saw it.")
    panel_chair: str | None = Field(description="Null for reporter and viewer.")
    assessors: list[str] = Field(description="Counted assessors (labels for reporter, viewer).")
    scored_at: dt.datetime
    overall: float | None
    range_min: float | None
    range_max: float | None
    assessor_overall: dict[str, float | None]
    recommendation: Outcome
    reasons: list[str]
    confidence: ConfidenceResult = Field(description="Coverage, evidence, agreement and level.")
    failed_gates: list[FailedGate]
    domains: list[DomainResult]
    criteria: list[EvidenceCriterion]
    not_applicable: list[str]
    complexity: ComplexityProfile | None


class LearningItem(BaseModel):
    kind: TimelineKind
    id: uuid.UUID
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    pivot: bool
    contains_personal_data: bool
    text: str | None = Field(
        description="The record's headline; null for reporter and viewer on entries flagged "
        "`contains_personal_data`."
    )


class TheoryOfChange(BaseModel):
    id: uuid.UUID
    number: int
    narrative: str
    assumptions: list[dict[str, Any]]
    created_at: dt.datetime


class EvaluationEvidence(BaseModel):
    """The project's developmental evaluation in [`from`, the decision's `decided_at`], as
    recorded by then."""

    model_config = ConfigDict(populate_by_name=True)

    evaluation_id: uuid.UUID
    period_from: dt.datetime | None = Field(serialization_alias="from")
    period_to: dt.datetime = Field(serialization_alias="to")
    items: list[LearningItem] = Field(
        description="Log entries, findings, adaptations and ToC versions, oldest first."
    )
    truncated: bool = Field(description="More items than the pack lists (the newest are kept).")
    pivots: int
    theory_of_change: TheoryOfChange | None = Field(
        description="The version current when the decision was recorded."
    )


class DecisionEvidence(BaseModel):
    """The assessment side of a decision's evidence pack, as it stood when it was recorded
    (the decision's later status, condition closures and any correction as of `as_of`)."""

    as_of: dt.datetime
    decision: EvidenceDecision
    assessment: EvidenceAssessment
    evaluation: EvaluationEvidence | None = Field(description="Null without an evaluation.")
    definitions: dict[str, str]
