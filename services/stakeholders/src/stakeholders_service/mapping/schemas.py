"""Mapping: request and response bodies (snapshots, the map, trends)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, Field

from shared.types import Bool, ColumnRange, InputModel, Int32, UtcDateTime
from stakeholders_service.mapping.models import Stance
from stakeholders_service.mapping.rules import MendelowQuadrant, SalienceClass
from stakeholders_service.stakeholders.models import StakeholderCategory
from stakeholders_service.vocabulary import Iap2Level

Rating = Annotated[Int32, ColumnRange(1, 5)]


class AssessmentCreate(InputModel):
    project_id: uuid.UUID
    assessed_at: UtcDateTime | None = Field(None, description="Defaults to now; never future.")
    power: Rating
    interest: Rating
    legitimacy: Bool
    urgency: Bool
    stance: Stance
    relationship_quality: Rating
    trust: Rating
    current_level: Iap2Level
    target_level: Iap2Level
    rationale: str | None = Field(None, max_length=5000)


class AssessmentRead(BaseModel):
    id: uuid.UUID
    stakeholder_id: uuid.UUID
    project_id: uuid.UUID
    assessed_at: dt.datetime
    assessed_by: str
    power: int
    interest: int
    legitimacy: bool
    urgency: bool
    stance: Stance
    relationship_quality: int
    trust: int
    current_level: Iap2Level
    target_level: Iap2Level
    rationale: str | None
    mendelow_quadrant: MendelowQuadrant = Field(description="Computed with `threshold`.")
    salience_class: SalienceClass = Field(description="Computed with `threshold` for power.")
    engagement_gap: int = Field(description="IAP2 levels below target (0: at or above).")
    threshold: int
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class MapEntry(BaseModel):
    """One stakeholder on the map: their latest snapshot at the date, and how it moved."""

    stakeholder_id: uuid.UUID
    category: StakeholderCategory
    assessment_id: uuid.UUID
    assessed_at: dt.datetime
    power: int
    interest: int
    legitimacy: bool
    urgency: bool
    mendelow_quadrant: MendelowQuadrant
    salience_class: SalienceClass
    stance: Stance
    current_level: Iap2Level
    target_level: Iap2Level
    engagement_gap: int = Field(description="IAP2 levels below target (0: at or above).")
    previous_quadrant: MendelowQuadrant | None = Field(
        description="The quadrant of the snapshot before (null: this is the first)."
    )
    previous_assessed_at: dt.datetime | None


class QuadrantCount(BaseModel):
    quadrant: MendelowQuadrant
    count: int


class ClassCount(BaseModel):
    value: str
    count: int


class MovementCount(BaseModel):
    from_quadrant: MendelowQuadrant
    to_quadrant: MendelowQuadrant
    count: int


class GapCount(BaseModel):
    gap: int = Field(ge=1, le=4, description="IAP2 levels below target.")
    count: int


class StakeholderMap(BaseModel):
    """A project's map as of a date, from each stakeholder's latest snapshot at that date, as
    counts: every list here is bounded (see `maxItems`) whatever the number of stakeholders.
    The stakeholders themselves (ids and categories, never names) are paged at
    `GET /stakeholders/map/entries`, with the same `project_id` and `as_of` and filters for a
    quadrant, the movers and those below target."""

    project_id: uuid.UUID
    as_of: dt.datetime
    threshold: int
    stakeholders_assessed: int
    quadrants: list[QuadrantCount] = Field(
        max_length=4, description="All four quadrants, zeros included."
    )
    salience: list[ClassCount] = Field(
        max_length=8, description="All eight classes, zeros included."
    )
    stance_mix: list[ClassCount] = Field(max_length=5, description="All five stances.")
    movements: list[MovementCount] = Field(
        max_length=12,
        description="Stakeholders whose quadrant changed between their previous and latest "
        "snapshot, per change (only changes that happened; `?moved=true` on the entries).",
    )
    unchanged: int = Field(description="Stakeholders whose quadrant did not change.")
    engagement_gap: list[GapCount] = Field(
        max_length=4,
        description="Stakeholders whose current IAP2 level is below target, per gap of 1-4 "
        "levels (zeros included; `?below_target=true` on the entries).",
    )


class TrendPoint(BaseModel):
    month: str = Field(examples=["2026-03"])
    assessments: int
    mean_relationship_quality: float
    mean_trust: float


class Trends(BaseModel):
    project_id: uuid.UUID
    stakeholder_id: uuid.UUID | None
    points: list[TrendPoint]
