"""Outcome journals: request and response bodies, and the fields every journal shares."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AnyUrl, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from projects_service.journals.models import JournalStatus, Rating
from projects_service.outcome_maps.models import MarkerLevel
from projects_service.types import LongText
from shared.types import Date, InputModel, omittable

Text = Annotated[str, StringConstraints(max_length=5000)]
Contributor = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Contributors = Annotated[list[Contributor], Field(max_length=50)]


def check_period_order(start: dt.date, end: dt.date) -> None:
    """Shared by every journal's create schema (a 422 validation error, pointer on the body)."""
    if end < start:
        raise ValueError("period_end must not be before period_start")


class EvidenceSource(InputModel):
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    uri: AnyUrl | None = None


class UnanticipatedChange(InputModel):
    description: LongText
    contributing_factors: LongText = ""
    sources_of_evidence: list[EvidenceSource] = Field(default_factory=list, max_length=30)


class MarkerRatingInput(InputModel):
    progress_marker_id: uuid.UUID
    rating: Rating
    note: Text = ""


class _EntryFields(InputModel):
    contributors: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    marker_ratings: list[MarkerRatingInput] = Field(default_factory=list, max_length=200)
    description_of_change: LongText = ""
    contributing_factors_and_actors: LongText = ""
    sources_of_evidence: list[EvidenceSource] = Field(default_factory=list, max_length=50)
    unanticipated_change: UnanticipatedChange | None = None
    significance: LongText = ""
    lessons: LongText = ""
    required_programme_changes: LongText = ""


class OutcomeJournalEntryCreate(_EntryFields):
    boundary_partner_id: uuid.UUID
    period_start: Date
    period_end: Date
    amends_id: uuid.UUID | None = Field(
        None, description="The submitted or reviewed entry this corrects."
    )

    @model_validator(mode="after")
    def _period_in_order(self) -> OutcomeJournalEntryCreate:
        check_period_order(self.period_start, self.period_end)
        return self


class OutcomeJournalEntryPatch(InputModel):
    period_start: Date = omittable()
    period_end: Date = omittable()
    contributors: list[Annotated[str, StringConstraints(min_length=1, max_length=200)]] = omittable(
        max_length=50
    )
    marker_ratings: list[MarkerRatingInput] = omittable(max_length=200)
    description_of_change: LongText = omittable()
    contributing_factors_and_actors: LongText = omittable()
    sources_of_evidence: list[EvidenceSource] | None = Field(None, max_length=50)
    unanticipated_change: UnanticipatedChange | None = None
    significance: LongText = omittable()
    lessons: LongText = omittable()
    required_programme_changes: LongText = omittable()


class MarkerRatingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    progress_marker_id: uuid.UUID
    marker_lineage_id: uuid.UUID
    level: MarkerLevel
    rating: Rating
    note: str


class OutcomeJournalEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    outcome_map_id: uuid.UUID
    boundary_partner_id: uuid.UUID
    partner_lineage_id: uuid.UUID
    period_start: dt.date
    period_end: dt.date
    contributors: list[str]
    marker_ratings: list[MarkerRatingRead] = Field(validation_alias="ratings")
    description_of_change: str
    contributing_factors_and_actors: str
    sources_of_evidence: list[EvidenceSource]
    unanticipated_change: UnanticipatedChange | None
    significance: str
    lessons: str
    required_programme_changes: str
    status: JournalStatus
    submitted_at: dt.datetime | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    amends_id: uuid.UUID | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class JournalEntryReadBase(BaseModel):
    """The fields every journal entry reads with (see `JournalEntryMixin`)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    outcome_map_id: uuid.UUID
    period_start: dt.date
    period_end: dt.date
    contributors: list[str]
    lessons: str
    status: JournalStatus
    submitted_at: dt.datetime | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    amends_id: uuid.UUID | None = Field(description="The entry this one corrects.")
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
