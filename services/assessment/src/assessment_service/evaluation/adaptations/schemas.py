"""Bodies of adaptation decisions: create, patch, read and their transitions."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assessment_service.evaluation.models import AdaptationKind, AdaptationStatus
from assessment_service.evaluation.schemas import IdList, OptionalText, Subject, Text
from shared.transitions import TransitionRequest
from shared.types import Date, InputModel, UtcDateTime, omittable


class AdaptationCreate(InputModel):
    kind: AdaptationKind
    summary: Text = Field(description="What changes.")
    rationale: Text
    decided_at: UtcDateTime | None = Field(None, description="Defaults to now.")
    finding_ids: IdList = Field(default_factory=list, description="Findings that prompted it.")
    alternatives_considered: OptionalText = ""
    decided_by: list[Subject] = Field(default_factory=list, max_length=50)
    expected_effect: OptionalText = ""
    review_at: Date | None = Field(None, description="When its effect is to be reviewed.")
    outcome_map_change_ref: uuid.UUID | None = Field(
        None, description="The outcome-map version (projects) this led to."
    )


class AdaptationPatch(InputModel):
    """Everything while `proposed`; afterwards only `outcome_map_change_ref`."""

    kind: AdaptationKind = omittable()
    summary: Text = omittable()
    rationale: Text = omittable()
    decided_at: UtcDateTime = omittable()
    finding_ids: IdList = omittable()
    alternatives_considered: OptionalText = omittable()
    decided_by: list[Subject] = omittable(max_length=50)
    expected_effect: OptionalText = omittable()
    review_at: Date | None = None
    outcome_map_change_ref: uuid.UUID | None = None


class AdaptationTransition(TransitionRequest[AdaptationStatus]):
    """proposed → agreed → implemented → reviewed, one step at a time."""

    at: UtcDateTime | None = Field(None, description="When it happened; defaults to now.")
    observed_effect: Text | None = Field(None, description="Required to move to `reviewed`.")


class AdaptationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    kind: AdaptationKind
    pivot: bool
    summary: str
    rationale: str
    decided_at: dt.datetime
    finding_ids: list[uuid.UUID]
    alternatives_considered: str
    decided_by: list[str]
    expected_effect: str
    review_at: dt.date | None
    status: AdaptationStatus
    allowed_transitions: list[AdaptationStatus] = Field(
        description="The statuses this caller may move it to now (`POST .../transitions`).",
    )
    observed_effect: str | None
    agreed_at: dt.datetime | None
    implemented_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    outcome_map_change_ref: uuid.UUID | None
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
