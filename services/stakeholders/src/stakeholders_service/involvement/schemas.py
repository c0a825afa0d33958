"""Involvement: request and response bodies, the summary, GRIPP2 drafts and reports, PLUS reach."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.types import Bool, Date, InputModel
from stakeholders_service.involvement.models import (
    AssessmentScope,
    Gripp2Form,
    Gripp2Status,
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
    item: str = Field(description="The checklist code: short-form names, long-form `1a`...`9`.")
    section: str
    topic: str
    prompt: str
    draft: str = Field(description="Pre-filled from the data; people write the narrative.")


class Gripp2Draft(BaseModel):
    """GRIPP2 short form (5 items) or long form (34), status `draft`, generated from this
    service's data and not saved (save one with `POST /v1/involvement/gripp2/reports`)."""

    project_id: uuid.UUID
    form: Gripp2Form = Gripp2Form.short
    status: Literal["draft"] = "draft"
    generated_at: dt.datetime
    items: list[Gripp2Item]


class Gripp2ReportCreate(InputModel):
    project_id: uuid.UUID
    form: Gripp2Form = Gripp2Form.short


class Gripp2ItemText(BaseModel):
    item: str
    section: str
    topic: str
    prompt: str
    text: str


class Gripp2ReportRead(BaseModel):
    """A saved report. `inputs`: the data it was generated from, as it was at `generated_at`
    (contributors, roles, stages, engagements, feedback, UK Standards status)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    form: Gripp2Form
    status: Gripp2Status
    items: list[Gripp2ItemText]
    inputs: dict[str, Any]
    generated_at: dt.datetime
    finalised_at: dt.datetime | None
    finalised_by: str | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class Gripp2ItemEdit(InputModel):
    item: str = Field(min_length=1, max_length=30, pattern=r"^[a-z0-9_]+$")
    text: str = Field(max_length=20_000)


class Gripp2ReportEdit(InputModel):
    """Replace the text of the listed items (others unchanged)."""

    items: list[Gripp2ItemEdit] = Field(min_length=1, max_length=34)


class PlusGroupReach(BaseModel):
    code: str
    label: str
    people: int | None = Field(description="Distinct attending participants; null below 5.")
    share: float | None = Field(description="`people` over `participants`, when both shown.")


class PlusReach(BaseModel):
    """Reach into the locally defined PLUS / under-served groups: distinct people who attended
    an engagement in scope and carry the group's code. A person may be in several groups, so
    the groups are not a partition: each count is suppressed on its own (below 5)."""

    project_id: uuid.UUID | None
    engagement_id: uuid.UUID | None
    participants: int | None = Field(description="Distinct attending participants; null below 5.")
    groups: list[PlusGroupReach]
