"""Performance journal bodies (OM step 11): each organisational practice described (and rated)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from projects_service.journals.models import Rating
from projects_service.journals.schemas import (
    EvidenceSource,
    JournalEntryCreateBase,
    JournalEntryPatchBase,
    JournalEntryReadBase,
)
from projects_service.outcome_maps.models import Practice
from projects_service.types import LongText
from shared.types import InputModel, omittable


class PracticeEntryInput(InputModel):
    practice: Practice
    examples_or_indicators: LongText = ""
    sources_of_evidence: list[EvidenceSource] = Field(default_factory=list, max_length=30)
    rating: Rating | None = Field(None, description="Optional: describe without rating.")


PracticeEntries = list[PracticeEntryInput]


class PerformanceJournalEntryCreate(JournalEntryCreateBase):
    outcome_map_id: uuid.UUID = Field(description="An agreed (or superseded) version.")
    practice_entries: PracticeEntries = Field(
        default_factory=list, max_length=8, description="At most one per practice."
    )


class PerformanceJournalEntryPatch(JournalEntryPatchBase):
    practice_entries: PracticeEntries = omittable(max_length=8)


class PracticeEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    practice: Practice
    examples_or_indicators: str
    sources_of_evidence: list[EvidenceSource]
    rating: Rating | None


class PerformanceJournalEntryRead(JournalEntryReadBase):
    practice_entries: list[PracticeEntryRead]
