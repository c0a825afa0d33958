"""Strategy journals: request and response bodies."""

from __future__ import annotations

import uuid

from pydantic import Field, model_validator

from projects_service.journals.schemas import Contributors, JournalEntryReadBase, check_period_order
from projects_service.types import LongText
from shared.types import Date, InputModel, omittable

StrategyIds = list[uuid.UUID]


class StrategyJournalEntryCreate(InputModel):
    outcome_map_id: uuid.UUID = Field(description="An agreed (or superseded) version.")
    period_start: Date
    period_end: Date
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


class StrategyJournalEntryPatch(InputModel):
    period_start: Date = omittable()
    period_end: Date = omittable()
    strategy_ids: StrategyIds = omittable(max_length=100)
    activities_implemented: LongText = omittable()
    effectiveness: LongText = omittable()
    outputs: LongText = omittable()
    required_follow_up: LongText = omittable()
    lessons: LongText = omittable()
    programme_response: LongText = omittable()
    contributors: Contributors = omittable()


class StrategyJournalEntryRead(JournalEntryReadBase):
    strategy_ids: list[uuid.UUID]
    activities_implemented: str
    effectiveness: str
    outputs: str
    required_follow_up: str
    programme_response: str
