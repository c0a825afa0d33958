from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from projects_service.outcome_maps.models import (
    Frequency,
    MapStatus,
    MarkerLevel,
    MarkerState,
    MonitoringTool,
    Practice,
    PriorityKind,
    PromptStatus,
    RevisionRationale,
    StrategyTarget,
    StrategyType,
)
from projects_service.types import JsonDecimal, LongText, ShortText

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
MarkerText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OutcomeMapCreate(_Input):
    vision: LongText | None = None
    mission: LongText | None = None


class OutcomeMapPatch(_Input):
    vision: LongText | None = None
    mission: LongText | None = None


class AgreeCreate(_Input):
    agreed_in: Note = Field("", description="Where it was agreed, e.g. the workshop and its date.")


class BoundaryPartnerCreate(_Input):
    name: Name = Field(description="A group, not a person: e.g. `ED nursing team`.")
    description: LongText = ""
    why_critical: LongText = ""
    current_relationship: LongText = ""
    outcome_challenge: LongText = ""
    stakeholder_refs: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    position: int = Field(0, ge=0)


class BoundaryPartnerPatch(_Input):
    name: Name | None = None
    description: LongText | None = None
    why_critical: LongText | None = None
    current_relationship: LongText | None = None
    outcome_challenge: LongText | None = None
    stakeholder_refs: list[uuid.UUID] | None = Field(None, max_length=50)
    position: int | None = Field(None, ge=0)


class MarkerCreate(_Input):
    level: MarkerLevel
    text: MarkerText
    position: int = Field(0, ge=0)
    weight: int = Field(1, ge=1, le=10)


class MarkerPatch(_Input):
    level: MarkerLevel | None = None
    text: MarkerText | None = None
    position: int | None = Field(None, ge=0)
    weight: int | None = Field(None, ge=1, le=10)


class MarkerRevise(_Input):
    text: MarkerText
    level: MarkerLevel | None = None
    rationale_category: RevisionRationale | None = None
    rationale_note: Note = ""


class MarkerRetire(_Input):
    rationale_category: RevisionRationale | None = None
    rationale_note: Note = ""


class StrategyCreate(_Input):
    target: StrategyTarget
    type: StrategyType
    description: LongText = Field(min_length=1)
    planned_activities: LongText = ""


class StrategyPatch(_Input):
    target: StrategyTarget | None = None
    type: StrategyType | None = None
    description: LongText | None = Field(None, min_length=1)
    planned_activities: LongText | None = None


class PracticePatch(_Input):
    key_actions: LongText | None = None
    in_use: bool | None = None


class MonitoringPlanItemCreate(_Input):
    priority_kind: PriorityKind
    priority_ref: ShortText = Field(
        description="A boundary partner or strategy id of this map, or a practice."
    )
    who_uses_info: LongText = ""
    purpose: LongText = ""
    when_needed: LongText = ""
    who_collects: LongText = ""
    frequency: Frequency
    collection_method: LongText = ""
    tool: MonitoringTool


class MonitoringPlanItemPatch(_Input):
    who_uses_info: LongText | None = None
    purpose: LongText | None = None
    when_needed: LongText | None = None
    who_collects: LongText | None = None
    frequency: Frequency | None = None
    collection_method: LongText | None = None
    tool: MonitoringTool | None = None


class EvaluationPlanItemCreate(_Input):
    evaluation_issue: LongText = Field(min_length=1)
    users_and_use: LongText = ""
    questions: list[Annotated[str, StringConstraints(min_length=1, max_length=1000)]] = Field(
        default_factory=list, max_length=30
    )
    information_sources: LongText = ""
    methods: LongText = ""
    conducted_by: LongText = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    cost_gbp: Annotated[decimal.Decimal, Field(ge=0, max_digits=14, decimal_places=2)] | None = None


class EvaluationPlanItemPatch(_Input):
    evaluation_issue: LongText | None = Field(None, min_length=1)
    users_and_use: LongText | None = None
    questions: list[Annotated[str, StringConstraints(min_length=1, max_length=1000)]] | None = (
        Field(None, max_length=30)
    )
    information_sources: LongText | None = None
    methods: LongText | None = None
    conducted_by: LongText | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    cost_gbp: Annotated[decimal.Decimal, Field(ge=0, max_digits=14, decimal_places=2)] | None = None


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class MarkerRead(_Read):
    id: uuid.UUID
    boundary_partner_id: uuid.UUID
    outcome_map_id: uuid.UUID
    lineage_id: uuid.UUID
    cloned_from_id: uuid.UUID | None
    level: MarkerLevel
    text: str
    position: int
    weight: int
    state: MarkerState
    replaced_by_id: uuid.UUID | None
    revises_id: uuid.UUID | None
    rationale_category: RevisionRationale | None
    rationale_note: str
    version: int


class StrategyRead(_Read):
    id: uuid.UUID
    boundary_partner_id: uuid.UUID
    outcome_map_id: uuid.UUID
    target: StrategyTarget
    type: StrategyType
    cell_code: str = Field(description="Derived: I1..I3 (individual), E1..E3 (environment).")
    description: str
    planned_activities: str
    version: int


class BoundaryPartnerRead(_Read):
    id: uuid.UUID
    outcome_map_id: uuid.UUID
    lineage_id: uuid.UUID = Field(description="The same partner across map versions.")
    cloned_from_id: uuid.UUID | None
    name: str
    description: str
    why_critical: str
    current_relationship: str
    outcome_challenge: str
    stakeholder_refs: list[uuid.UUID]
    position: int
    version: int


class BoundaryPartnerDetail(BoundaryPartnerRead):
    markers: list[MarkerRead]
    strategies: list[StrategyRead]


class PracticeRead(_Read):
    id: uuid.UUID
    practice: Practice
    position: int
    key_actions: str
    in_use: bool
    version: int


class OutcomeMapRead(_Read):
    id: uuid.UUID
    project_id: uuid.UUID
    map_version: int = Field(description="1, 2, ...: the outcome map's version number.")
    status: MapStatus
    vision: str
    mission: str
    agreed_at: dt.datetime | None
    agreed_in: str
    agreed_by: str | None
    superseded_at: dt.datetime | None
    supersedes_id: uuid.UUID | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="The ETag counter (changes with any element of this version).")


class OutcomeMapDetail(OutcomeMapRead):
    partners: list[BoundaryPartnerDetail]
    practices: list[PracticeRead]
    warnings: list[str] = Field(
        default_factory=list, description="Advice that does not block, e.g. more than 6 partners."
    )


class MonitoringPlanItemRead(_Read):
    id: uuid.UUID
    outcome_map_id: uuid.UUID
    priority_kind: PriorityKind
    priority_ref: str
    who_uses_info: str
    purpose: str
    when_needed: str
    who_collects: str
    frequency: Frequency
    collection_method: str
    tool: MonitoringTool
    version: int


class EvaluationPlanItemRead(_Read):
    id: uuid.UUID
    outcome_map_id: uuid.UUID
    evaluation_issue: str
    users_and_use: str
    questions: list[str]
    information_sources: str
    methods: str
    conducted_by: str
    start_date: dt.date | None
    end_date: dt.date | None
    cost_gbp: JsonDecimal | None
    version: int


class RevisionPromptRead(_Read):
    id: uuid.UUID
    project_id: uuid.UUID
    adaptation_id: uuid.UUID
    evaluation_id: uuid.UUID | None
    summary: str
    implemented_at: dt.datetime | None
    status: PromptStatus
    addressed_by_map_id: uuid.UUID | None
    created_at: dt.datetime
