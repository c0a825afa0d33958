"""Performance journals: request and response bodies."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, model_validator

from projects_service.journals.models import Rating
from projects_service.journals.schemas import (
    Contributors,
    EvidenceSource,
    JournalEntryReadBase,
    check_period_order,
)
from projects_service.outcome_maps.models import Practice
from projects_service.types import LongText
from shared.types import Date, InputModel, omittable


class PracticeEntryInput(InputModel):
    practice: Practice
    examples_or_indicators: LongText = ""
    sources_of_evidence: list[EvidenceSource] = Field(default_factory=list, max_length=30)
    rating: Rating | None = Field(None, description="Optional: describe without rating.")


PracticeEntries = list[PracticeEntryInput]


class PerformanceJournalEntryCreate(InputModel):
    outcome_map_id: uuid.UUID = Field(description="An agreed (or superseded) version.")
    period_start: Date
    period_end: Date
    practice_entries: PracticeEntries = Field(
        default_factory=list, max_length=8, description="At most one per practice."
    )
    lessons: LongText = ""
    contributors: Contributors = Field(default_factory=list)
    amends_id: uuid.UUID | None = Field(
        None, description="The submitted or reviewed entry this corrects."
    )

    @model_validator(mode="after")
    def _period_in_order(self) -> PerformanceJournalEntryCreate:
        check_period_order(self.period_start, self.period_end)
        return self


class PerformanceJournalEntryPatch(InputModel):
    period_start: Date = omittable()
    period_end: Date = omittable()
    practice_entries: PracticeEntries = omittable(max_length=8)
    lessons: LongText = omittable()
    contributors: Contributors = omittable()


class PracticeEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    practice: Practice
    examples_or_indicators: str
    sources_of_evidence: list[EvidenceSource]
    rating: Rating | None


class PerformanceJournalEntryRead(JournalEntryReadBase):
    practice_entries: list[PracticeEntryRead]
