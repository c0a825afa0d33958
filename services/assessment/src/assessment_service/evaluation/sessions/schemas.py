"""Bodies of sensemaking sessions."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assessment_service.evaluation.models import SessionFormat
from assessment_service.evaluation.schemas import IdList, Subject, Text
from shared.types import Date, InputModel, UtcDateTime, omittable


class SessionAction(InputModel):
    description: Text
    owner: Subject | None = None
    due_on: Date | None = None


class SessionCreate(InputModel):
    held_at: UtcDateTime
    format: SessionFormat
    participants: list[Subject] = Field(default_factory=list, max_length=100)
    what: Text = Field(description="What? What happened, what did the data show.")
    so_what: Text = Field(description="So what? What it means.")
    now_what: Text = Field(description="Now what? What to do next.")
    actions: list[SessionAction] = Field(default_factory=list, max_length=50)
    data_reviewed: IdList = Field(
        default_factory=list,
        description="Log entries of this evaluation reviewed here; they become append-only.",
    )


class SessionPatch(InputModel):
    participants: list[Subject] = omittable(max_length=100)
    what: Text = omittable()
    so_what: Text = omittable()
    now_what: Text = omittable()
    actions: list[SessionAction] = omittable(max_length=50)


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    held_at: dt.datetime
    format: SessionFormat
    participants: list[str]
    what: str
    so_what: str
    now_what: str
    actions: list[SessionAction]
    data_reviewed: list[uuid.UUID]
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
