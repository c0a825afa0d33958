"""Strategy journal bodies (OM step 10): the strategies worked on and what came of them."""

from __future__ import annotations

import uuid

from pydantic import Field

from projects_service.journals.schemas import (
    JournalEntryCreateBase,
    JournalEntryPatchBase,
    JournalEntryReadBase,
)
from projects_service.types import LongText
from shared.types import omittable

StrategyIds = list[uuid.UUID]


class StrategyJournalEntryCreate(JournalEntryCreateBase):
    outcome_map_id: uuid.UUID = Field(description="An agreed (or superseded) version.")
    strategy_ids: StrategyIds = Field(
        default_factory=list,
        max_length=100,
        description="Strategy-map entries of `outcome_map_id` this entry reports on.",
    )
    activities_implemented: LongText = ""
    effectiveness: LongText = Field("", description="How the activities influenced partners.")
    outputs: LongText = ""
    required_follow_up: LongText = ""
    programme_response: LongText = ""


class StrategyJournalEntryPatch(JournalEntryPatchBase):
    strategy_ids: StrategyIds = omittable(max_length=100)
    activities_implemented: LongText = omittable()
    effectiveness: LongText = omittable()
    outputs: LongText = omittable()
    required_follow_up: LongText = omittable()
    programme_response: LongText = omittable()


class StrategyJournalEntryRead(JournalEntryReadBase):
    strategy_ids: list[uuid.UUID]
    activities_implemented: str
    effectiveness: str
    outputs: str
    required_follow_up: str
    programme_response: str
