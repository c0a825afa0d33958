"""Involvement: request and response bodies, the summary and the GRIPP2 draft."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.types import Bool, Date, InputModel
from stakeholders_service.involvement.models import (
    AssessmentScope,
    InvolvementRoleType,
    InvolvementStage,
    StandardLevel,
    UkStandard,
)
from stakeholders_service.suppression import Distribution


class RoleCreate(InputModel):
    stakeholder_id: uuid.UUID
    project_id: uuid.UUID
    role: InvolvementRoleType
    stages: list[InvolvementStage] = Field(min_length=1, max_length=6)
    start_date: Date
    end_date: Date | None = None
    payment_offered: Bool = False
    expenses_reimbursed: Bool = False
    training_provided: Bool = False

    @model_validator(mode="after")
    def _dates_in_order(self) -> RoleCreate:
        if self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date must not be before start_date")
        return self


class RoleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    stakeholder_id: uuid.UUID
    project_id: uuid.UUID
    role: InvolvementRoleType
    stages: list[InvolvementStage]
    start_date: dt.date
    end_date: dt.date | None
    payment_offered: bool
    expenses_reimbursed: bool
    training_provided: bool
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class StandardRating(InputModel):
    standard: UkStandard
    level: StandardLevel
    evidence: str = Field("", max_length=5000)
    actions: str = Field("", max_length=5000)


class StandardsCreate(InputModel):
    scope: AssessmentScope
    project_id: uuid.UUID | None = None
    period: str = Field(pattern=r"^\d{4}(-Q[1-4]|-H[12])?$", examples=["2026-Q1"])
    ratings: list[StandardRating] = Field(min_length=6, max_length=6)

    @model_validator(mode="after")
    def _one_rating_per_standard_and_scope(self) -> StandardsCreate:
        if {r.standard for r in self.ratings} != set(UkStandard):
            raise ValueError("rate each of the six UK Standards exactly once")
        if (self.scope is AssessmentScope.project) != (self.project_id is not None):
            raise ValueError("project_id is required for project scope and only for it")
        return self


class StandardsRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    scope: AssessmentScope
    project_id: uuid.UUID | None
    period: str
    ratings: list[StandardRating]
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class StandardStatus(BaseModel):
    standard: UkStandard
    level: StandardLevel | None = Field(
        description="From the latest self-assessment; null if none."
    )
    period: str | None


class InvolvementSummary(BaseModel):
    """B6: public contributors by role and stage (people, so suppressed below 5), what was
    offered, and the UK Standards status."""

    project_id: uuid.UUID | None
    contributors: int | None = Field(description="Distinct people; null when below 5.")
    by_role: Distribution
    by_stage: Distribution
    payment_offered: int | None
    expenses_reimbursed: int | None
    training_provided: int | None
    standards: list[StandardStatus]


class Gripp2Item(BaseModel):
    item: Literal["aim", "methods", "results", "outcomes", "critical_perspective"]
    prompt: str
    draft: str = Field(description="Pre-filled from the data; people write the narrative.")


class Gripp2Draft(BaseModel):
    """GRIPP2 short form (5 items), status `draft`, generated from this service's data."""

    project_id: uuid.UUID
    form: Literal["short"] = "short"
    status: Literal["draft"] = "draft"
    generated_at: dt.datetime
    items: list[Gripp2Item]
