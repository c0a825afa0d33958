"""Bodies of learning log entries."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from assessment_service.evaluation.models import LogSource
from assessment_service.evaluation.schemas import Tag, Text
from shared.types import Bool, InputModel, UtcDateTime, omittable


class RefKind(StrEnum):
    journal_entry = "journal_entry"  # → projects: an outcome-mapping journal entry
    engagement = "engagement"  # → stakeholders: an engagement


class LogRef(InputModel):
    kind: RefKind
    id: uuid.UUID


class LogEntryCreate(InputModel):
    observed_at: UtcDateTime
    source: LogSource
    summary: Text
    refs: list[LogRef] = Field(default_factory=list, max_length=50)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    contains_personal_data: Bool = False


class LogEntryPatch(InputModel):
    """Only until the entry is reviewed in a sensemaking session; then amend by correction."""

    observed_at: UtcDateTime = omittable()
    source: LogSource = omittable()
    summary: Text = omittable()
    refs: list[LogRef] = omittable(max_length=50)
    tags: list[Tag] = omittable(max_length=30)
    contains_personal_data: Bool = omittable()


class LogEntryRead(BaseModel):
    """`summary` and `tags` are omitted (absent, not null) for `reporter` callers when the entry
    is flagged `contains_personal_data`; `personal_data_withheld` says so."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    observed_at: dt.datetime
    source: LogSource
    summary: str | None = None
    refs: list[LogRef]
    tags: list[str] | None = None
    contains_personal_data: bool
    personal_data_withheld: bool = False
    corrects_id: uuid.UUID | None
    corrected_by_ids: list[uuid.UUID]
    reviewed_in_session_ids: list[uuid.UUID]
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
