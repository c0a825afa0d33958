from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field, model_validator

from projects_service.journals.schemas import Contributors, JournalEntryReadBase, check_period_order
from projects_service.types import LongText

StrategyIds = list[uuid.UUID]


class StrategyJournalEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome_map_id: uuid.UUID = Field(description="An agreed (or superseded) version.")
    period_start: dt.date
    period_end: dt.date
    strategy_ids: StrategyIds = Field(
        default_factory=list,
        max_length=100,
        description="Strategy-map entries of `outcome_map_id` this entry reports on.",
    )
    activities_implemented: LongText = ""
    effectiveness: LongText = Field("", description="How the activities influenced partners.")
    outputs: LongText = ""
    required_follow_up: LongText = ""
    lessons: LongText = ""
    programme_response: LongText = ""
    contributors: Contributors = Field(default_factory=list)
    amends_id: uuid.UUID | None = Field(
        None, description="The submitted or reviewed entry this corrects."
    )

    @model_validator(mode="after")
    def _period_in_order(self) -> StrategyJournalEntryCreate:
        check_period_order(self.period_start, self.period_end)
        return self


class StrategyJournalEntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_start: dt.date | None = None
    period_end: dt.date | None = None
    strategy_ids: StrategyIds | None = Field(None, max_length=100)
    activities_implemented: LongText | None = None
    effectiveness: LongText | None = None
    outputs: LongText | None = None
    required_follow_up: LongText | None = None
    lessons: LongText | None = None
    programme_response: LongText | None = None
    contributors: Contributors | None = None


class StrategyJournalEntryRead(JournalEntryReadBase):
    strategy_ids: list[uuid.UUID]
    activities_implemented: str
    effectiveness: str
    outputs: str
    required_follow_up: str
    programme_response: str
