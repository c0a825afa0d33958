"""Bodies of findings: create, patch, read and their transitions."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assessment_service.evaluation.models import Confidence, FindingStatus
from assessment_service.evaluation.schemas import IdList, OptionalText, Text
from shared.transitions import TransitionRequest
from shared.types import InputModel, UtcDateTime, omittable


class FindingCreate(InputModel):
    statement: Text
    confidence: Confidence
    first_seen_at: UtcDateTime | None = Field(None, description="Defaults to now.")
    implications: OptionalText = ""
    evidence_log_ids: IdList = Field(default_factory=list)


class FindingPatch(InputModel):
    statement: Text = omittable()
    confidence: Confidence = omittable()
    first_seen_at: UtcDateTime = omittable()
    implications: OptionalText = omittable()
    evidence_log_ids: IdList = omittable()


class FindingTransition(TransitionRequest[FindingStatus]):
    """emerging → tested → confirmed | refuted; emerging → refuted."""

    confidence: Confidence | None = Field(None, description="Re-rate the confidence as it moves.")


class FindingRead(BaseModel):
    """Also the contract for impact assessments citing a finding as evidence."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    project_id: uuid.UUID
    statement: str
    status: FindingStatus
    allowed_transitions: list[FindingStatus] = Field(
        description="The statuses this caller may move it to now (`POST .../transitions`); "
        "tested and confirmed only once it has evidence.",
    )
    confidence: Confidence
    first_seen_at: dt.datetime
    implications: str
    evidence_log_ids: list[uuid.UUID]
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
