"""The body of one timeline item."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from assessment_service.evaluation.models import TimelineKind


class TimelineItem(BaseModel):
    """One record of the learning trail. `text` is the record's headline (log summary, session
    What?, finding statement, adaptation summary, ToC narrative); it is omitted for `reporter`
    callers on log entries flagged `contains_personal_data`."""

    model_config = ConfigDict(from_attributes=True)

    kind: TimelineKind
    id: uuid.UUID = Field(description="The record's id; GET it under its own collection.")
    occurred_at: dt.datetime = Field(
        description="observed_at, held_at, first_seen_at, decided_at, or a ToC version's creation."
    )
    recorded_at: dt.datetime
    updated_at: dt.datetime
    pivot: bool = Field(description="True for an adaptation of kind `pivot`.")
    contains_personal_data: bool
    text: str | None = None
