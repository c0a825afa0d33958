"""Outcome journal bodies (OM step 9): the partner, marker ratings and the story of the change."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from projects_service.journals.models import Rating
from projects_service.journals.schemas import (
    EvidenceSource,
    JournalEntryCreateBase,
    JournalEntryPatchBase,
    JournalEntryReadBase,
)
from projects_service.outcome_maps.models import MarkerLevel
from projects_service.types import LongText
from shared.types import InputModel, omittable

Note = Annotated[str, StringConstraints(max_length=5000)]


class UnanticipatedChange(InputModel):
    description: LongText
    contributing_factors: LongText = ""
    sources_of_evidence: list[EvidenceSource] = Field(default_factory=list, max_length=30)


class MarkerRatingInput(InputModel):
    progress_marker_id: uuid.UUID
    rating: Rating
    note: Note = ""


class OutcomeJournalEntryCreate(JournalEntryCreateBase):
    boundary_partner_id: uuid.UUID
    marker_ratings: list[MarkerRatingInput] = Field(default_factory=list, max_length=200)
    description_of_change: LongText = ""
    contributing_factors_and_actors: LongText = ""
    sources_of_evidence: list[EvidenceSource] = Field(default_factory=list, max_length=50)
    unanticipated_change: UnanticipatedChange | None = None
    significance: LongText = ""
    required_programme_changes: LongText = ""


class OutcomeJournalEntryPatch(JournalEntryPatchBase):
    marker_ratings: list[MarkerRatingInput] = omittable(max_length=200)
    description_of_change: LongText = omittable()
    contributing_factors_and_actors: LongText = omittable()
    # These two may be cleared with null.
    sources_of_evidence: list[EvidenceSource] | None = Field(None, max_length=50)
    unanticipated_change: UnanticipatedChange | None = None
    significance: LongText = omittable()
    required_programme_changes: LongText = omittable()


class MarkerRatingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    progress_marker_id: uuid.UUID
    marker_lineage_id: uuid.UUID
    level: MarkerLevel
    rating: Rating
    note: str


class OutcomeJournalEntryRead(JournalEntryReadBase):
    boundary_partner_id: uuid.UUID
    partner_lineage_id: uuid.UUID
    marker_ratings: list[MarkerRatingRead] = Field(validation_alias="ratings")
    description_of_change: str
    contributing_factors_and_actors: str
    sources_of_evidence: list[EvidenceSource]
    unanticipated_change: UnanticipatedChange | None
    significance: str
    required_programme_changes: str
