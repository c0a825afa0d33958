from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from projects_service.projects.models import InnovationType, LeadPartner, Pillar, ProjectStatus, Stage

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]


class ProjectBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field("", max_length=5000)
    directorate: str | None = Field(None, max_length=120)
    is_digital: bool = False
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    start_date: dt.date | None = None
    planned_end_date: dt.date | None = None

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


class ProjectPatch(BaseModel):
    """JSON merge patch: absent fields are unchanged; `null` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    summary: str | None = Field(None, max_length=5000)
    pillar: Pillar | None = None
    innovation_type: InnovationType | None = None
    lead_partner: LeadPartner | None = None
    directorate: str | None = Field(None, max_length=120)
    is_digital: bool | None = None
    tags: list[Tag] | None = Field(None, max_length=30)
    start_date: dt.date | None = None
    planned_end_date: dt.date | None = None


class ProjectRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reference: str = Field(examples=["CMDI-2026-014"])
    title: str
    summary: str
    pillar: Pillar
    innovation_type: InnovationType
    directorate: str | None
    lead_partner: LeadPartner
    stage: Stage
    status: ProjectStatus
    is_digital: bool
    tags: list[str]
    start_date: dt.date | None
    planned_end_date: dt.date | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
