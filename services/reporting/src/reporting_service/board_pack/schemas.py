"""The board pack's body: what a governance meeting decides and has decided, and the open
conditions across the portfolio. One field per section (null when missing; a partial pack names
it in `missing_sections`)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from reporting_service.access import View
from reporting_service.scope import ReportEnvelope


class ProjectLabel(BaseModel):
    id: uuid.UUID
    reference: str | None = Field(description="Null when the projects service did not say.")
    title: str | None


class Meeting(BaseModel):
    forum: str | None
    meeting_date: dt.date | None = Field(
        description="Null: the decisions recorded in the period instead."
    )


class BoardDecision(BaseModel):
    """A decision recorded for the meeting, summarised; its evidence pack has the rest."""

    decision_id: uuid.UUID
    project: ProjectLabel
    gate: str
    outcome: str
    computed_recommendation: str
    followed_recommendation: bool
    status: str
    forum: str
    meeting_date: dt.date | None
    decided_at: dt.datetime
    decided_by: str | None = Field(description="Governance and admin only.")
    superseded: bool
    evidence_pack: str = Field(description="Where its evidence pack is.")


class AwaitingDecision(BaseModel):
    """An assessment scored and moderated, awaiting the board's decision."""

    assessment_id: uuid.UUID
    project: ProjectLabel
    gate: str
    overall_score: float | None
    confidence: str | None
    recommendation: str | None
    scored_at: dt.datetime | None


class OverdueCondition(BaseModel):
    condition_id: uuid.UUID
    decision_id: uuid.UUID
    project: ProjectLabel
    text: str | None = Field(description="Governance and admin only.")
    owner: str | None = Field(description="Governance and admin only.")
    due_date: dt.date
    days_overdue: int


class ConditionsSection(BaseModel):
    open: int = Field(description="Open conditions across the selected projects at `as_of`.")
    past_due: int = Field(description="Of those, past their due date.")
    overdue: list[OverdueCondition] = Field(description="The past-due ones, oldest due first.")
    overdue_truncated: bool


class BoardPack(ReportEnvelope):
    view: View
    meeting: Meeting
    decisions: list[BoardDecision] | None
    decisions_truncated: bool = False
    awaiting_decision: list[AwaitingDecision] | None
    awaiting_truncated: bool = False
    conditions: ConditionsSection | None
