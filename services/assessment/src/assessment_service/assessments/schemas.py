"""Assessments: request and response bodies (panel, ratings, evidence, consensus, result)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    model_validator,
)

from assessment_service.assessments.models import (
    AssessmentStatus,
    ConsensusMethod,
    EvidenceKind,
)
from assessment_service.frameworks.definition import EsfTier, EvidenceLevel, Gate, Outcome
from assessment_service.frameworks.scales import RatingValue
from assessment_service.scoring.engine import (
    ComplexityRating,
    Confidence,
    CriterionModeration,
    NasssDomain,
    ScoreResult,
)
from shared.transitions import TransitionRequest
from shared.types import Bool, Date, Float, InputModel, NotBlank, SafeInt, UtcDateTime

Subject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NotBlank()
]
# Strict: JSON numbers stay numbers and strings stay strings ("3" is not 3); a boolean gets
# through so that the scale check can refuse it by name (score-out-of-scale).
Value = SafeInt | Float | StrictStr | StrictBool


class Model(InputModel):
    """A request body (or a part of one) of this module."""


class AssessmentCreate(Model):
    project_id: uuid.UUID
    gate: Gate
    template_id: uuid.UUID | None = Field(None, description="A piloting or active version.")
    template_name: str | None = Field(
        None, max_length=120, description="Or: use the active version of this template."
    )
    assessors: list[Subject] = Field(min_length=1, max_length=20)
    panel_chair: Subject
    due_at: UtcDateTime | None = None
    esf_tier: EsfTier | None = Field(None, description="NICE ESF tier, for digital projects.")
    previous_assessment_id: uuid.UUID | None = Field(None, description="For a re-assessment.")

    @model_validator(mode="after")
    def _one_template(self) -> AssessmentCreate:
        if (self.template_id is None) == (self.template_name is None):
            raise ValueError("give exactly one of template_id and template_name")
        if len(set(self.assessors)) != len(self.assessors):
            raise ValueError("assessors are listed twice")
        return self


class AssessmentTransition(TransitionRequest[AssessmentStatus]):
    """draft → open → scoring → moderation → scored; `cancelled` before decided (`reason`
    required, kept as `cancel_reason`; any other reason goes to the audit trail). `decided` is
    reached by recording a decision: asking for it is 409 `gate-requires-decision`."""


class PanelMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subject: str
    declaration: Literal["pending", "no_conflict", "conflict", "conflict_waived"]
    eligible: bool = Field(description="May rate: declared without conflict, or waived.")
    declared_at: dt.datetime | None
    conflict_description: str | None
    waiver_reason: str | None
    waived_by: str | None
    waived_at: dt.datetime | None
    submitted_at: dt.datetime | None
    recused_at: dt.datetime | None = Field(
        description="Recused after rating started: their ratings no longer count."
    )
    recused_by: str | None
    recusal_reason: str | None


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    project_reference: str | None
    template_id: uuid.UUID
    gate: Gate
    status: AssessmentStatus
    panel_chair: str
    panel: list[PanelMemberRead]
    context_snapshot: dict[str, Any]
    engagement_evidence: dict[str, Any] | None = Field(
        description="The project's engagement evidence when the assessment was opened: "
        "`status` (`captured` or `missing`), `captured_at`, `evidence` (the stakeholders "
        "service's `project-engagement` figures) or `reason`, and `attached_to` (the criteria "
        "that ask for it). Null for assessments opened before snapshots were taken."
    )
    esf_tier: EsfTier | None
    uses_piloting_template: bool = Field(description="Flagged: the template is still piloting.")
    previous_assessment_id: uuid.UUID | None
    due_at: dt.datetime | None
    opened_at: dt.datetime | None
    scored_at: dt.datetime | None
    decided_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str | None
    overall_score: float | None
    confidence: str | None
    recommendation: Outcome | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    allowed_transitions: list[AssessmentStatus] = Field(
        description="The states you can move this assessment to now (`POST .../transitions`): "
        "the workflow's edges from here for the chair or governance, none for anyone else. "
        "Preconditions (ratings, submissions, consensus) are checked when the move is asked for.",
    )


class AssessmentSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    template_id: uuid.UUID
    gate: Gate
    status: AssessmentStatus
    panel_chair: str
    overall_score: float | None
    confidence: str | None
    recommendation: Outcome | None
    scored_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class DeclarationWrite(Model):
    has_conflict: Bool
    description: str | None = Field(None, max_length=4000)

    @model_validator(mode="after")
    def _describe_conflicts(self) -> DeclarationWrite:
        if self.has_conflict and not (self.description or "").strip():
            raise ValueError("describe the conflict of interest")
        return self


class WaiverWrite(Model):
    reason: Reason


class PanelAddition(Model):
    """Add an assessor before rating starts; the reason goes to the audit trail."""

    subject: Subject
    reason: Reason


class PanelReplacement(Model):
    """Replace an assessor (who has not rated) by `subject` before rating starts."""

    subject: Subject = Field(description="The assessor who takes the place.")
    reason: Reason


class RecusalWrite(Model):
    reason: Reason


class EvidenceCreate(Model):
    kind: EvidenceKind
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NotBlank()
    ]
    uri: str | None = Field(None, max_length=1000)
    evidence_level: EvidenceLevel | None = Field(None, description="Nesta level 1-5.")
    evidence_date: Date | None = None
    ref_id: uuid.UUID | None = Field(
        None, description="A journal entry (journal_ref) or DE finding (de_finding_ref) id."
    )

    @model_validator(mode="after")
    def _refs_need_ids(self) -> EvidenceCreate:
        if self.kind in (EvidenceKind.journal_ref, EvidenceKind.de_finding_ref) and not self.ref_id:
            raise ValueError(f"{self.kind} evidence points at its record: give ref_id")
        return self


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assessment_id: uuid.UUID
    kind: EvidenceKind
    title: str
    uri: str | None
    evidence_level: int | None
    evidence_date: dt.date | None
    ref_id: uuid.UUID | None
    added_by: str | None
    created_at: dt.datetime


class RatingWrite(Model):
    value: Value | None = Field(None, description="On the criterion's scale; omit when unknown.")
    unknown: Bool = False
    unknown_reason: str | None = Field(None, max_length=4000)
    rationale: str = Field("", max_length=8000)
    evidence_ids: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    evidence_level: EvidenceLevel | None = None


class RatingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    criterion_code: str
    assessor: str
    value: RatingValue | None
    unknown: bool
    unknown_reason: str | None
    rationale: str
    evidence_ids: list[uuid.UUID]
    evidence_level: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RatingsView(BaseModel):
    visibility: Literal["own", "panel"] = Field(
        description="`own` until moderation (independent rating), then the whole panel's."
    )
    items: list[RatingRead]


class ConsensusWrite(Model):
    method: ConsensusMethod
    value: Value | None = Field(None, description="Omit with `median` to take the panel's median.")
    unknown: Bool = False
    evidence_level: EvidenceLevel | None = None
    dissent_note: str = Field("", max_length=8000)


class ConsensusRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    criterion_code: str
    value: RatingValue | None
    unknown: bool
    evidence_level: int | None
    method: ConsensusMethod
    dissent_note: str
    recorded_by: str | None
    updated_at: dt.datetime


class ComplexityItem(Model):
    domain: NasssDomain
    rating: ComplexityRating
    note: str = Field("", max_length=4000)


class ComplexityWrite(Model):
    ratings: list[ComplexityItem] = Field(min_length=1, max_length=7)

    @model_validator(mode="after")
    def _each_domain_once(self) -> ComplexityWrite:
        if len({item.domain for item in self.ratings}) != len(self.ratings):
            raise ValueError("a NASSS domain is listed twice")
        return self


class ComplexityRead(BaseModel):
    ratings: list[ComplexityItem]
    complex_count: int
    risk: Confidence = Field(description="low: no complex domain; medium: 1-2; high: 3 or more.")


class ModerationView(BaseModel):
    assessment_id: uuid.UUID
    eligible_assessors: list[str]
    criteria: list[CriterionModeration]


class TemplateRef(BaseModel):
    id: uuid.UUID
    name: str
    semver: str
    status_when_scored: str


class AssessmentResult(BaseModel):
    """The frozen score, every input used and the template version: auditable as it stands."""

    assessment_id: uuid.UUID
    project_id: uuid.UUID
    gate: Gate
    template: TemplateRef
    context: dict[str, Any]
    engagement_evidence: dict[str, Any] | None = Field(
        None, description="The engagement evidence snapshot the engagement rules were checked on."
    )
    scored_at: dt.datetime
    assessors: list[str]
    score: ScoreResult


class HistoryEntry(BaseModel):
    assessment_id: uuid.UUID
    gate: Gate
    status: AssessmentStatus
    template_id: uuid.UUID
    scored_at: dt.datetime | None
    overall_score: float | None
    confidence: str | None
    recommendation: Outcome | None
    decision_outcome: Outcome | None
    previous_assessment_id: uuid.UUID | None
    change_since_previous: float | None = Field(
        description="Overall score minus the previous scored assessment's at the same gate."
    )
    domain_changes: dict[str, float] = Field(
        description="Per domain code present in both: score minus the previous one's."
    )


class ProjectHistory(BaseModel):
    project_id: uuid.UUID
    entries: list[HistoryEntry]
