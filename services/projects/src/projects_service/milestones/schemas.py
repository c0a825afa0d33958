"""Milestones: request and response bodies (milestones, catalogue, adoption tracker)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import AnyUrl, BaseModel, ConfigDict, Field

from projects_service.milestones.models import Applicability, Gate, MilestoneStatus
from projects_service.types import LongText, ShortText
from shared.types import Date, InputModel, omittable


class MilestoneCreate(InputModel):
    title: ShortText | None = Field(
        None, description="Defaults to the catalogue label for adoption milestones."
    )
    description: LongText = ""
    due_date: Date | None = None
    status: MilestoneStatus = MilestoneStatus.planned
    gate: Gate | None = None
    completed_on: Date | None = None
    adoption_code: str | None = Field(
        None, max_length=60, description="A code from `/v1/projects/adoption-milestones`."
    )
    evidence_uri: AnyUrl | None = None
    evidence_note: LongText = ""


class MilestonePatch(InputModel):
    title: ShortText = omittable()
    description: LongText = omittable()
    due_date: Date | None = None
    status: MilestoneStatus = omittable()
    gate: Gate | None = None
    completed_on: Date | None = None
    evidence_uri: AnyUrl | None = None
    evidence_note: LongText = omittable()


class MilestoneRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    title: str
    description: str
    due_date: dt.date | None
    status: MilestoneStatus
    gate: Gate | None
    completed_on: dt.date | None
    adoption_code: str | None
    evidence_uri: str | None
    evidence_note: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class AdoptionMilestoneTypeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    description: str
    applies_to: Applicability
    evidence_hint: str
    position: int


class AdoptionTrackerRow(BaseModel):
    milestone_type: AdoptionMilestoneTypeRead
    milestone: MilestoneRead | None = Field(
        description="The project's milestone for it, if tracked."
    )


class AdoptionTracker(BaseModel):
    project_id: uuid.UUID
    applicable: int
    done: int
    rows: list[AdoptionTrackerRow]
