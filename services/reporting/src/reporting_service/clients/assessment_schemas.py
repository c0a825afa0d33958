"""The assessment service's answers as the reports read them (its OpenAPI is the full contract):
the governance aggregate, a decision's evidence, and the decision, assessment, condition and
evaluation lists a board pack or dossier reads."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import Field

from reporting_service.clients.base import PassThrough, UpstreamModel


class OutcomeCount(UpstreamModel):
    outcome: str
    projects: int


class GateOverrides(UpstreamModel):
    gate: str
    decisions: int
    against_recommendation: int
    override_rate: float | None


class Conditions(UpstreamModel):
    open: int
    past_due: int


class Evaluations(UpstreamModel):
    active: int
    pivots: int
    pivots_implemented: int = 0


class GovernanceAggregate(UpstreamModel):
    """`POST /v1/aggregates/governance`."""

    as_of: dt.datetime
    projects_decided: int
    latest_outcome: list[OutcomeCount]
    decisions_in_period: int
    against_recommendation: int
    override_rate: float | None
    by_gate: list[GateOverrides]
    conditions: Conditions
    evaluations: Evaluations
    suppressed: list[str] = Field(default_factory=list)
    definitions: dict[str, str] = Field(default_factory=dict)


class DecisionRef(UpstreamModel):
    id: uuid.UUID
    outcome: str
    decided_at: dt.datetime
    forum: str


class EvidenceDecision(PassThrough):
    id: uuid.UUID
    project_id: uuid.UUID
    assessment_id: uuid.UUID
    gate: str
    outcome: str
    computed_recommendation: str
    followed_recommendation: bool
    decided_at: dt.datetime
    forum: str
    meeting_date: dt.date | None = None
    conditions: list[dict[str, Any]] = Field(default_factory=list)
    dissent: list[dict[str, Any]] = Field(default_factory=list)
    supersedes: DecisionRef | None = None
    superseded_by: DecisionRef | None = None


class EvidenceAssessment(PassThrough):
    id: uuid.UUID
    gate: str
    template: dict[str, Any]
    overall: float | None = None
    recommendation: str | None = None
    confidence: dict[str, Any] | None = None
    failed_gates: list[dict[str, Any]] = Field(default_factory=list)


class EvidenceEvaluation(PassThrough):
    evaluation_id: uuid.UUID
    pivots: int = 0


class DecisionEvidence(UpstreamModel):
    """`GET /v1/aggregates/decisions/{id}/evidence`."""

    as_of: dt.datetime
    decision: EvidenceDecision
    assessment: EvidenceAssessment
    evaluation: EvidenceEvaluation | None = None
    definitions: dict[str, str] = Field(default_factory=dict)


class DecisionSummary(UpstreamModel):
    id: uuid.UUID
    project_id: uuid.UUID
    assessment_id: uuid.UUID
    gate: str
    outcome: str
    computed_recommendation: str
    overridden: bool
    status: str
    forum: str
    meeting_date: dt.date | None = None
    decided_at: dt.datetime
    decided_by: str | None = None
    supersedes_id: uuid.UUID | None = None
    superseded_by_id: uuid.UUID | None = None


class DecisionPage(UpstreamModel):
    items: list[DecisionSummary]
    next_cursor: str | None = None


class AssessmentSummary(UpstreamModel):
    id: uuid.UUID
    project_id: uuid.UUID
    gate: str
    status: str
    overall_score: float | None = None
    confidence: str | None = None
    recommendation: str | None = None
    scored_at: dt.datetime | None = None
    created_at: dt.datetime
    panel_chair: str | None = None
    template_id: uuid.UUID | None = None


class AssessmentPage(UpstreamModel):
    items: list[AssessmentSummary]
    next_cursor: str | None = None


class Condition(UpstreamModel):
    id: uuid.UUID
    decision_id: uuid.UUID
    project_id: uuid.UUID
    text: str
    owner: str | None = None
    due_date: dt.date
    status: str


class ConditionPage(UpstreamModel):
    items: list[Condition]
    next_cursor: str | None = None


class Evaluation(UpstreamModel):
    id: uuid.UUID
    project_id: uuid.UUID
    status: str
    purpose: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class EvaluationPage(UpstreamModel):
    items: list[Evaluation]
    next_cursor: str | None = None


class TimelineEntry(UpstreamModel):
    id: uuid.UUID
    kind: str
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    pivot: bool
    contains_personal_data: bool
    text: str | None = None


class TimelinePage(UpstreamModel):
    items: list[TimelineEntry]
    next_cursor: str | None = None
