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


class QuadrantGroup(BaseModel):
    quadrant: MendelowQuadrant
    count: int
    stakeholder_ids: list[uuid.UUID]


class ClassCount(BaseModel):
    value: str
    count: int


class Movement(BaseModel):
    stakeholder_id: uuid.UUID
    from_quadrant: MendelowQuadrant
    to_quadrant: MendelowQuadrant
    previous_assessed_at: dt.datetime
    assessed_at: dt.datetime


class GapEntry(BaseModel):
    stakeholder_id: uuid.UUID
    current_level: Iap2Level
    target_level: Iap2Level
    gap: int


class StakeholderMap(BaseModel):
    """A project's map as of a date, from each stakeholder's latest snapshot at that date.
    Per-stakeholder rows carry ids and categories only, never names."""

    project_id: uuid.UUID
    as_of: dt.datetime
    threshold: int
    stakeholders_assessed: int
    entries: list[MapEntry]
    quadrants: list[QuadrantGroup]
    salience: list[ClassCount] = Field(description="All eight classes, zeros included.")
    stance_mix: list[ClassCount]
    movements: list[Movement] = Field(
        description="Quadrant changes between each stakeholder's previous and latest snapshot."
    )
    unchanged: int = Field(description="Stakeholders whose quadrant did not change.")
    engagement_gap: list[GapEntry] = Field(description="Current IAP2 level below target.")


class TrendPoint(BaseModel):
    month: str = Field(examples=["2026-03"])
    assessments: int
    mean_relationship_quality: float
    mean_trust: float


class Trends(BaseModel):
    project_id: uuid.UUID
    stakeholder_id: uuid.UUID | None
    points: list[TrendPoint]
