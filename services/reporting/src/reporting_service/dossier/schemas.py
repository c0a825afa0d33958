"""The project dossier's body: one field per section (null when missing; a partial dossier
names it in `missing_sections`)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from reporting_service.access import View
from reporting_service.clients.assessment_schemas import TimelineEntry
from reporting_service.clients.base import CountItem
from reporting_service.clients.projects_schemas import Benefit, ProjectDocument, ProjectRecord
from reporting_service.clients.stakeholders_schemas import ProjectEngagement
from reporting_service.scope import ReportEnvelope


class TeamMember(BaseModel):
    subject: str | None = Field(description="Null in the aggregate view.")
    display_name: str | None = Field(description="Null in the aggregate view.")
    role: str
    affiliation: str
    start_date: dt.date | None
    end_date: dt.date | None


class Team(BaseModel):
    """Who was on the team over time, as of `as_of` (memberships started by then)."""

    active: int = Field(description="Memberships active on the day of `as_of`.")
    by_role: list[CountItem] = Field(description="Active memberships by role.")
    members: list[TeamMember] = Field(
        description="Every membership, oldest first (the aggregate view: without who)."
    )
    truncated: bool


class GateDecision(BaseModel):
    decision_id: uuid.UUID
    gate: str
    outcome: str
    computed_recommendation: str
    overridden: bool
    status: str
    forum: str
    meeting_date: dt.date | None
    decided_at: dt.datetime
    superseded: bool
    evidence_pack: str


class StageChange(BaseModel):
    occurred_at: dt.datetime
    from_stage: str
    to_stage: str
    kind: str
    gate: str | None
    reason: str
    decision: GateDecision | None = Field(description="The decision behind a gate move.")


class AssessmentLine(BaseModel):
    assessment_id: uuid.UUID
    gate: str
    status: str
    overall_score: float | None
    confidence: str | None
    recommendation: str | None
    scored_at: dt.datetime | None


class EvaluationTimeline(BaseModel):
    evaluation_id: uuid.UUID
    status: str
    purpose: str
    start_date: dt.date | None
    end_date: dt.date | None
    items: list[TimelineEntry] = Field(
        description="Learning-log entries, sessions, findings, "
        "adaptations and theory-of-change versions, oldest first."
    )
    truncated: bool
    pivots: int


class Dossier(ReportEnvelope):
    view: View
    project: ProjectRecord | None = Field(description="The registry record (as it is now).")
    team: Team | None
    stage_history: list[StageChange] | None = Field(
        description="Stage changes up to `as_of`, each gate move with the decision behind it."
    )
    decisions: list[GateDecision] | None = Field(description="Every decision up to `as_of`.")
    assessments: list[AssessmentLine] | None
    attainment: ProjectDocument | None = Field(
        description="Attainment per boundary partner and marker level, period by period."
    )
    strategy_coverage: ProjectDocument | None
    practice_profile: ProjectDocument | None
    benefits: list[Benefit] | None = Field(description="The benefits register (as it is now).")
    adoption_tracker: ProjectDocument | None = Field(description="As it is now.")
    engagement: ProjectEngagement | None = Field(
        description="Engagement and involvement as of `as_of` over the period."
    )
    evaluation: EvaluationTimeline | None = Field(
        description="The latest developmental evaluation's timeline (null: none)."
    )
    suppressed: list[str]
