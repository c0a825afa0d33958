"""The decision evidence pack's body: the evidence as it stood when the decision was recorded,
one field per section (null when missing; a partial pack names it in `missing_sections`)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from reporting_service.access import View
from reporting_service.clients.assessment_schemas import (
    EvidenceAssessment,
    EvidenceDecision,
    EvidenceEvaluation,
)
from reporting_service.clients.projects_schemas import ProjectDocument
from reporting_service.clients.stakeholders_schemas import ProjectEngagement
from reporting_service.scope import ReportEnvelope


class ProjectBrief(BaseModel):
    id: uuid.UUID
    reference: str
    title: str
    stage: str = Field(description="The project's stage now (its stage history is below).")
    pillar: str
    innovation_type: str
    directorate: str | None


class StageStep(BaseModel):
    occurred_at: dt.datetime
    from_stage: str
    to_stage: str
    kind: str
    gate: str | None
    decision_id: uuid.UUID | None
    actor: str | None = Field(description="Governance and admin only.")
    reason: str


class EvidencePack(ReportEnvelope):
    view: View
    decision_id: uuid.UUID
    decided_at: dt.datetime | None = Field(
        description="When the decision was recorded: every section is as of this moment, but "
        "the decision's later status (conditions closed, superseded) as of `as_of`."
    )
    decision: EvidenceDecision | None = Field(
        description="Outcome, rationale, conditions, dissent, the recommendation it followed "
        "or overrode, what superseded it, and its `citations` (the developmental-evaluation "
        "items it relied on: kind, id, evaluation id and summary as they read then)."
    )
    assessment: EvidenceAssessment | None = Field(
        description="The template's name and version, every assessor's moderated ratings, "
        "consensus, spread and outliers, confidence components, failed gates."
    )
    developmental_evaluation: EvidenceEvaluation | None = Field(
        description="Learning-log entries, findings, adaptations and the theory-of-change "
        "version in the period before the decision (null: the project has no evaluation)."
    )
    project: ProjectBrief | None
    stage_history: list[StageStep] | None = Field(
        description="The project's stage changes up to the decision."
    )
    stage_history_truncated: bool = False
    outcome_markers: ProjectDocument | None = Field(
        description="The outcome map's markers with their latest journal ratings as of the "
        "decision (the projects service's attainment read)."
    )
    engagement: ProjectEngagement | None = Field(
        description="Stakeholder engagement at the gate: stakeholders by Mendelow quadrant and "
        'salience class, IAP2 current against target, engagements and "you said, we did" '
        "closure in the period, public involvement roles and UK Standards status."
    )
    suppressed: list[str]
    digest: str = Field(description="`sha256:<hex>` of the pack's canonical JSON.")
    digest_method: str = Field(description="How `digest` is computed.")
