"""Bodies of learning briefs."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from assessment_service.evaluation.schemas import Short, Subject, Text, dates_in_order
from shared.types import Date, InputModel, omittable


class BriefCreate(InputModel):
    title: Short
    period_start: Date
    period_end: Date
    audience: list[Subject] = Field(min_length=1, max_length=50)
    key_messages: list[Text] = Field(min_length=1, max_length=20)
    uri: HttpUrl | None = None

    @model_validator(mode="after")
    def _check(self) -> BriefCreate:
        dates_in_order(self.period_start, self.period_end, "period_end")
        return self


class BriefPatch(InputModel):
    title: Short = omittable()
    period_start: Date = omittable()
    period_end: Date = omittable()
    audience: list[Subject] = omittable(min_length=1, max_length=50)
    key_messages: list[Text] = omittable(min_length=1, max_length=20)
    uri: HttpUrl | None = None


class BriefRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    title: str
    period_start: dt.date
    period_end: dt.date
    audience: list[str]
    key_messages: list[str]
    uri: str | None
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
