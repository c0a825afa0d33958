"""Projects: request and response bodies (projects, stage transitions and their history,
received decisions)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from projects_service.projects.models import (
    Core20Plus5,
    DecisionEffect,
    InnovationType,
    LeadPartner,
    Pillar,
    ProjectStatus,
    Stage,
    StageChangeKind,
    TransitionAction as TransitionAction,
)
from projects_service.types import JsonDecimal, Tag
from shared.transitions import TransitionRequest
from shared.types import Bool, Date, InputModel, NotBlank, NumberOnly, omittable

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
SiteCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), NotBlank()
]
Budget = Annotated[decimal.Decimal, Field(ge=0, max_digits=14, decimal_places=2), NumberOnly()]


class ProjectBase(InputModel):
    summary: str = Field("", max_length=5000)
    problem_statement: str = Field("", max_length=10_000)
    directorate: str | None = Field(None, max_length=120)
    site_code: SiteCode | None = Field(None, description="Trust site code, e.g. `RQ601`.")
    is_digital: Bool = False
    funding_source: str | None = Field(None, max_length=200)
    budget_gbp: Budget | None = None
    core20plus5_tags: list[Core20Plus5] = Field(default_factory=list, max_length=12)
    net_zero_relevant: Bool = False
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    start_date: Date | None = None
    planned_end_date: Date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> ProjectBase:
        if self.start_date and self.planned_end_date and self.planned_end_date < self.start_date:
            raise ValueError("planned_end_date must not be before start_date")
        return self


class ProjectCreate(ProjectBase):
    title: Title
    pillar: Pillar
    innovation_type: InnovationType
    lead_partner: LeadPartner


class ProjectPatch(InputModel):
    """JSON merge patch: absent fields are unchanged; `null` clears an optional field (the
    others may be omitted but not cleared)."""

    title: Title = omittable()
    summary: str = omittable(max_length=5000)
    problem_statement: str = omittable(max_length=10_000)
    pillar: Pillar = omittable()
    innovation_type: InnovationType = omittable()
    lead_partner: LeadPartner = omittable()
    directorate: str | None = Field(None, max_length=120)
    site_code: SiteCode | None = None
    is_digital: Bool = omittable()
    funding_source: str | None = Field(None, max_length=200)
    budget_gbp: Budget | None = None
    core20plus5_tags: list[Core20Plus5] = omittable(max_length=12)
    net_zero_relevant: Bool = omittable()
    tags: list[Tag] = omittable(max_length=30)
    start_date: Date | None = None
    planned_end_date: Date | None = None


class ProjectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reference: str = Field(examples=["CMDI-2026-014"])
    title: str
    summary: str
    problem_statement: str
    pillar: Pillar
    innovation_type: InnovationType
    directorate: str | None
    site_code: str | None
    lead_partner: LeadPartner
    stage: Stage
    paused_from: Stage | None = Field(description="Where `resume` returns a paused project to.")
    stage_changed_at: dt.datetime
    status: ProjectStatus
    archive_reason: str | None = Field(
        description="Why the project was archived (null while active)."
    )
    is_digital: bool
    funding_source: str | None
    budget_gbp: JsonDecimal | None
    core20plus5_tags: list[Core20Plus5]
    net_zero_relevant: bool
    tags: list[str]
    start_date: dt.date | None
    planned_end_date: dt.date | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    allowed_transitions: list[Stage] = Field(
        description="The stages this caller may move the project to now with "
        "`POST /v1/projects/{id}/transitions` (`stopped` and `closed` only for governance; a "
        "contributor's moves also need active team membership). Gate crossings are not listed: "
        "they happen when a decision is recorded."
    )


Reason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000), NotBlank()
]


class ProjectTransition(TransitionRequest[Stage]):
    """`{"to": <stage>, "reason"}`: `paused`; back to the stage it was paused in (resume);
    `stopped` (before sustained); `closed` (from sustained); `evaluation` (from pilot, ending
    the pilot)."""

    reason: Reason = Field(description="Why; kept in the stage history.")


class ProjectArchive(InputModel):
    """`{"reason"}`: archiving is consequential, so it says why (422 without)."""

    reason: Reason = Field(description="Why the project is archived; kept on the project.")


class StageChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    from_stage: Stage
    to_stage: Stage
    kind: StageChangeKind
    action: str = Field(description="The transition action, or `decision:<gate>:<outcome>`.")
    reason: str
    decision_id: uuid.UUID | None
    gate: str | None
    actor: str | None
    occurred_at: dt.datetime


class ReceivedDecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    decision_id: uuid.UUID
    project_id: uuid.UUID
    assessment_id: uuid.UUID | None
    gate: str
    outcome: str
    decided_at: dt.datetime | None
    supersedes_id: uuid.UUID | None
    effect: DecisionEffect
    note: str
    stage_before: Stage | None
    stage_after: Stage | None
    decided_on_stage: Stage | None = Field(
        description="The stage the gate decided on (for a correction: the corrected decision's)."
    )
    superseded_by_id: uuid.UUID | None = Field(description="The decision that corrected this one.")
    received_at: dt.datetime


class TeamProjectIds(BaseModel):
    """The projects on whose team a subject is an active member on `day` (of those asked)."""

    team_member: str
    day: dt.date = Field(description="The day membership was decided for (today).")
    project_ids: list[uuid.UUID] = Field(description="In id order.")
