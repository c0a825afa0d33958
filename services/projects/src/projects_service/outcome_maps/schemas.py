"""Outcome maps: request and response bodies for maps and every element of one."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, computed_field

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
from shared.transitions import TransitionRequest
from shared.types import Bool, Date, InputModel, Int32, NotBlank, NumberOnly, omittable

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
MarkerText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NotBlank()
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]


class OutcomeMapCreate(InputModel):
    vision: LongText | None = None
    mission: LongText | None = None


class OutcomeMapPatch(InputModel):
    vision: LongText = omittable()
    mission: LongText = omittable()


class OutcomeMapTransition(TransitionRequest[MapStatus]):
    """Move a map version: `agreed` (from draft, when complete) is the one move asked for; the
    version it replaces becomes `superseded`."""

    agreed_in: Note = Field(
        "", description="To `agreed`: where it was agreed, e.g. the workshop and its date."
    )


class BoundaryPartnerCreate(InputModel):
    name: Name = Field(description="A group, not a person: e.g. `ED nursing team`.")
    description: LongText = ""
    why_critical: LongText = ""
    current_relationship: LongText = ""
    outcome_challenge: LongText = ""
    stakeholder_refs: list[uuid.UUID] = Field(default_factory=list, max_length=50)
    position: Int32 = Field(0, ge=0)


class BoundaryPartnerPatch(InputModel):
    name: Name = omittable()
    description: LongText = omittable()
    why_critical: LongText = omittable()
    current_relationship: LongText = omittable()
    outcome_challenge: LongText = omittable()
    stakeholder_refs: list[uuid.UUID] = omittable(max_length=50)
    position: Int32 = omittable(ge=0)


class MarkerCreate(InputModel):
    level: MarkerLevel
    text: MarkerText
    position: Int32 = Field(0, ge=0, description="A revision keeps its predecessor's if omitted.")
    weight: Int32 = Field(
        1, ge=1, le=10, description="A revision keeps its predecessor's if omitted."
    )
    revises_id: uuid.UUID | None = Field(
        None,
        description="A revision: the active marker of this partner the new one replaces (it "
        "becomes `revised`, never deleted, and `progress_marker.revised` is published).",
    )
    rationale_category: RevisionRationale | None = Field(
        None, description="With `revises_id`: why it changes (required after agreement)."
    )
    rationale_note: Note = Field(
        "", description="With `revises_id`: the rationale in words (required after agreement)."
    )


class MarkerPatch(InputModel):
    level: MarkerLevel = omittable()
    text: MarkerText = omittable()
    position: Int32 = omittable(ge=0)
    weight: Int32 = omittable(ge=1, le=10)


class MarkerTransition(TransitionRequest[MarkerState]):
    """Move a marker: `retired` (from active, in a draft) is the one move asked for; a marker
    becomes `revised` when its successor is created."""

    rationale_category: RevisionRationale | None = Field(
        None, description="To `retired`: why (required for a marker that was agreed)."
    )
    rationale_note: Note = Field(
        "", description="To `retired`: the rationale in words (required for an agreed marker)."
    )


class StrategyCreate(InputModel):
    target: StrategyTarget
    type: StrategyType
    description: LongText = Field(min_length=1)
    planned_activities: LongText = ""


class StrategyPatch(InputModel):
    target: StrategyTarget = omittable()
    type: StrategyType = omittable()
    description: LongText = omittable(min_length=1)
    planned_activities: LongText = omittable()


class PracticePatch(InputModel):
    key_actions: LongText = omittable()
    in_use: Bool = omittable()


class MonitoringPlanItemCreate(InputModel):
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


class MonitoringPlanItemPatch(InputModel):
    who_uses_info: LongText = omittable()
    purpose: LongText = omittable()
    when_needed: LongText = omittable()
    who_collects: LongText = omittable()
    frequency: Frequency = omittable()
    collection_method: LongText = omittable()
    tool: MonitoringTool = omittable()


class EvaluationPlanItemCreate(InputModel):
    evaluation_issue: LongText = Field(min_length=1)
    users_and_use: LongText = ""
    questions: list[Annotated[str, StringConstraints(min_length=1, max_length=1000)]] = Field(
        default_factory=list, max_length=30
    )
    information_sources: LongText = ""
    methods: LongText = ""
    conducted_by: LongText = ""
    start_date: Date | None = None
    end_date: Date | None = None
    cost_gbp: (
        Annotated[decimal.Decimal, Field(ge=0, max_digits=14, decimal_places=2), NumberOnly()]
        | None
    ) = None


class EvaluationPlanItemPatch(InputModel):
    evaluation_issue: LongText = omittable(min_length=1)
    users_and_use: LongText = omittable()
    questions: list[Annotated[str, StringConstraints(min_length=1, max_length=1000)]] = omittable(
        max_length=30
    )
    information_sources: LongText = omittable()
    methods: LongText = omittable()
    conducted_by: LongText = omittable()
    start_date: Date | None = None
    end_date: Date | None = None
    cost_gbp: (
        Annotated[decimal.Decimal, Field(ge=0, max_digits=14, decimal_places=2), NumberOnly()]
        | None
    ) = None


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


_MOVES_BY_CALLER = (
    "; none for a reader or on an archived project (a contributor's moves also need active team "
    "membership)."
)


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

    # Not a column: the moves open to whoever asks, set by `for_caller` before the marker is
    # answered (a marker answered without it is a bug, and fails loudly).
    _allowed: list[MarkerState] | None = PrivateAttr(None)

    @computed_field(  # type: ignore[prop-decorator]
        description="The states this caller may move the marker to now with "
        "`POST .../markers/{marker_id}/transitions`: none outside a draft" + _MOVES_BY_CALLER
    )
    @property
    def allowed_transitions(self) -> list[MarkerState]:
        assert self._allowed is not None, "answer markers through for_caller()"
        return self._allowed

    def for_caller(self, allowed: list[MarkerState]) -> Self:
        self._allowed = allowed
        return self


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

    # Not a column: the moves open to whoever asks, set by `for_caller` (as on markers).
    _allowed: list[MapStatus] | None = PrivateAttr(None)

    @computed_field(  # type: ignore[prop-decorator]
        description="The states this caller may move the version to now with "
        "`POST .../outcome-maps/{map_id}/transitions`: `agreed` from a draft (one not complete "
        "yet answers 422 naming what is missing)" + _MOVES_BY_CALLER
    )
    @property
    def allowed_transitions(self) -> list[MapStatus]:
        assert self._allowed is not None, "answer maps through for_caller()"
        return self._allowed

    def for_caller(self, allowed: list[MapStatus]) -> Self:
        self._allowed = allowed
        return self


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
