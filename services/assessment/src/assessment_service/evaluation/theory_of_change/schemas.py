"""Bodies of theory-of-change versions."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assessment_service.evaluation.models import AssumptionStatus
from assessment_service.evaluation.schemas import IdList, Text
from shared.types import InputModel, omittable


class Assumption(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    text: Text
    status: AssumptionStatus = AssumptionStatus.holding


class TheoryOfChangeCreate(InputModel):
    narrative: Text
    assumptions: list[Assumption] = Field(default_factory=list, max_length=100)
    changed_because: IdList = Field(
        default_factory=list, description="Adaptations of this evaluation that led to it."
    )


class TheoryOfChangePatch(InputModel):
    """Only the latest version can be edited; a newer version supersedes it."""

    narrative: Text = omittable()
    assumptions: list[Assumption] = omittable(max_length=100)
    changed_because: IdList = omittable()


class TheoryOfChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    number: int
    narrative: str
    assumptions: list[Assumption]
    changed_because: list[uuid.UUID]
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
