"""Bodies of the evaluation itself: create, patch, read and its transitions."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assessment_service.evaluation.models import (
    EvaluationPurpose,
    EvaluationStatus,
    Principle,
    SensemakingCadence,
)
from assessment_service.evaluation.schemas import Subject, dates_in_order
from shared.transitions import TransitionRequest
from shared.types import Date, InputModel, omittable


class EvaluationCreate(InputModel):
    project_id: uuid.UUID = Field(description="The project (projects service); one DE each.")
    purpose: EvaluationPurpose = Field(description="Patton's five DE contexts.")
    evaluators: list[Subject] = Field(default_factory=list, max_length=20)
    primary_intended_users: list[Subject] = Field(
        default_factory=list,
        max_length=50,
        description="Team subjects or stakeholder ids the learning is for.",
    )
    principles_applied: list[Principle] = Field(default_factory=list, max_length=8)
    sensemaking_cadence: SensemakingCadence
    start_date: Date | None = None
    end_date: Date | None = None

    @model_validator(mode="after")
    def _check(self) -> EvaluationCreate:
        dates_in_order(self.start_date, self.end_date, "end_date")
        if len(set(self.principles_applied)) != len(self.principles_applied):
            raise ValueError("principles_applied must not repeat")
        return self


class EvaluationPatch(InputModel):
    """JSON merge patch; `status` moves through `POST .../transitions`."""

    purpose: EvaluationPurpose = omittable()
    evaluators: list[Subject] = omittable(max_length=20)
    primary_intended_users: list[Subject] = omittable(max_length=50)
    principles_applied: list[Principle] = omittable(max_length=8)
    sensemaking_cadence: SensemakingCadence = omittable()
    start_date: Date | None = None
    end_date: Date | None = None


class EvaluationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    purpose: EvaluationPurpose
    evaluators: list[str]
    primary_intended_users: list[str]
    principles_applied: list[Principle]
    sensemaking_cadence: SensemakingCadence
    status: EvaluationStatus
    allowed_transitions: list[EvaluationStatus] = Field(
        description="The statuses this caller may move it to now (`POST .../transitions`).",
    )
    start_date: dt.date | None
    end_date: dt.date | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class EvaluationTransition(TransitionRequest[EvaluationStatus]):
    """planned → active → concluded. A concluded evaluation is read-only."""
