"""Bodies of learning questions: create, patch, read and their transitions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from assessment_service.evaluation.models import QuestionStatus
from assessment_service.evaluation.schemas import IdList, Text
from shared.transitions import TransitionRequest
from shared.types import InputModel, UtcDateTime, omittable


class QuestionCreate(InputModel):
    text: Text
    raised_at: UtcDateTime | None = Field(None, description="Defaults to now.")


class QuestionPatch(InputModel):
    text: Text = omittable()


class QuestionTransition(TransitionRequest[QuestionStatus]):
    """open → answered (by `finding_ids`), reframed (into a new open question, `text`) or
    retired (no longer worth pursuing)."""

    finding_ids: Annotated[IdList, Field(min_length=1)] | None = Field(
        None, description="To `answered` (required): findings of this evaluation that answer it."
    )
    text: Text | None = Field(
        None,
        description="To `reframed` (required): the new question, which links back to this one "
        "(`reframed_from_id`); this one then names it in `reframed_into_id`.",
    )


class QuestionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    text: str
    status: QuestionStatus
    allowed_transitions: list[QuestionStatus] = Field(
        description="The statuses this caller may move it to now (`POST .../transitions`).",
    )
    reframed_from_id: uuid.UUID | None
    reframed_into_id: uuid.UUID | None = Field(
        description="The question this one was reframed into."
    )
    answered_by_finding_ids: list[uuid.UUID]
    raised_at: dt.datetime
    closed_at: dt.datetime | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
