"""Engagements: request and response bodies, the summary and the equality report."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.transitions import TransitionRequest
from shared.types import Bool, ColumnRange, InputModel, Int32, NotBlank, UtcDateTime, omittable
from stakeholders_service.engagements.models import (
    EngagementMode,
    EngagementStatus,
    EngagementType,
    FeedbackStatus,
    ParticipationRole,
    PlanFrequency,
)
from stakeholders_service.equality.schemas import ComparisonRow
from stakeholders_service.populations.schemas import ComparatorRef
from stakeholders_service.stakeholders.models import StakeholderCategory
from stakeholders_service.suppression import Distribution
from stakeholders_service.vocabulary import Iap2Level

Title = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
Short = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]


class EngagementCreate(InputModel):
    project_ids: list[uuid.UUID] = Field(min_length=1, max_length=20)
    title: Title
    type: EngagementType
    iap2_level: Iap2Level
    purpose: str = Field("", max_length=5000)
    held_at: UtcDateTime
    mode: EngagementMode
    facilitator: str | None = Field(None, max_length=200)
    accessibility_adjustments: list[Short] = Field(default_factory=list, max_length=30)


class EngagementPatch(InputModel):
    """JSON merge patch; the status changes through `POST /engagements/{id}/transitions`."""

    title: Title = omittable()
    type: EngagementType = omittable()
    iap2_level: Iap2Level = omittable()
    purpose: str = omittable(max_length=5000)
    held_at: UtcDateTime = omittable()
    mode: EngagementMode = omittable()
    facilitator: str | None = Field(None, max_length=200)
    accessibility_adjustments: list[Short] | None = Field(None, max_length=30)
    outputs: str | None = Field(None, max_length=10000)


class EngagementTransition(TransitionRequest[EngagementStatus]):
    """`planned → completed` (the engagement was held) or `planned → cancelled`; both final.
    Completing may record the anonymous attendee count and the outputs."""

    anonymous_attendee_count: Annotated[Int32, ColumnRange(0, 100000)] | None = Field(
        None, description="Only when completing (default 0)."
    )
    outputs: str | None = Field(None, max_length=10000, description="Only when completing.")

    @model_validator(mode="after")
    def _completion_fields_only_when_completing(self) -> EngagementTransition:
        if self.to is not EngagementStatus.completed:
            given = [
                name
                for name in ("anonymous_attendee_count", "outputs")
                if getattr(self, name) is not None
            ]
            if given:
                raise ValueError(f"{', '.join(given)}: only when completing (to: completed).")
        return self


class EngagementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_ids: list[uuid.UUID]
    title: str
    type: EngagementType
    iap2_level: Iap2Level
    purpose: str
    held_at: dt.datetime
    mode: EngagementMode
    facilitator: str | None = Field(description="A staff name: null for a reporter.")
    status: EngagementStatus
    status_reason: str | None = Field(description="Why it was completed or cancelled.")
    allowed_transitions: list[EngagementStatus] = Field(
        description="The states `POST /transitions` can move it to now, for this caller's "
        "role (team membership is checked on the move)."
    )
    accessibility_adjustments: list[str]
    outputs: str | None
    anonymous_attendee_count: int
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class ParticipationCreate(InputModel):
    stakeholder_id: uuid.UUID
    attended: Bool = True
    role: ParticipationRole = ParticipationRole.participant


class ParticipationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    engagement_id: uuid.UUID
    stakeholder_id: uuid.UUID
    attended: bool
    role: ParticipationRole
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class FeedbackCreate(InputModel):
    raised_by: uuid.UUID | None = Field(None, description="Null for anonymous feedback.")
    theme: Short
    content: str = Field(min_length=1, max_length=5000)


class FeedbackPatch(InputModel):
    """Record the response ("we did") and move the item along `open → considered →
    acted_on | not_acted_with_reason | out_of_scope → closed`."""

    status: FeedbackStatus = omittable()
    response: str | None = Field(None, min_length=1, max_length=5000)


class FeedbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    engagement_id: uuid.UUID
    raised_by: uuid.UUID | None
    theme: str
    content: str
    response: str | None
    status: FeedbackStatus
    responded_at: dt.datetime | None
    closed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class PlanItemCreate(InputModel):
    project_id: uuid.UUID
    stakeholder_id: uuid.UUID | None = None
    segment: StakeholderCategory | None = None
    target_level: Iap2Level
    objectives: str = Field("", max_length=5000)
    methods: list[Short] = Field(default_factory=list, max_length=20)
    frequency: PlanFrequency
    owner: Short


class PlanItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    stakeholder_id: uuid.UUID | None
    segment: StakeholderCategory | None
    target_level: Iap2Level
    objectives: str
    methods: list[str]
    frequency: PlanFrequency
    owner: str | None = Field(description="A staff name: null for a reporter.")
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class CountBy(BaseModel):
    value: str
    count: int


class EngagementSummary(BaseModel):
    """B6: activities by IAP2 level, type and month; participation (suppressed below 5);
    "you said, we did" closure rate and median days to response."""

    project_id: uuid.UUID | None
    engagements: int
    by_iap2_level: list[CountBy] = Field(description="All five levels, in IAP2 order.")
    by_type: list[CountBy]
    by_month: list[CountBy]
    attended_participants: int | None = Field(description="Null when below 5.")
    anonymous_attendees: int | None = Field(description="Null when below 5.")
    feedback_items: int
    feedback_closed: int
    feedback_closure_rate: float | None
    median_days_to_response: float | None


class EqualityReport(BaseModel):
    """B7: aggregate distributions only; every cell below 5 suppressed, with secondary
    suppression; `prefer_not_to_say` shown as a category."""

    project_id: uuid.UUID | None
    engagement_id: uuid.UUID | None
    responses: int | None = Field(description="Null when below 5.")
    characteristics: list[Distribution]
    core20_share: float | None = Field(
        description="Share in IMD quintile 1, when that cell is not suppressed."
    )
    core20_expected_share: float = Field(
        0.2, description="What a representative sample would give (the most deprived 20%)."
    )
    core20_difference: float | None = Field(
        None, description="`core20_share` minus `core20_expected_share`."
    )
    comparator: ComparatorRef | None = Field(
        None, description="The comparator population compared against (`?comparator=`)."
    )
    comparison: list[ComparisonRow] = Field(default_factory=list)


class EqualityCreateAck(BaseModel):
    """The answers are never read back one by one: only aggregates are reported."""

    id: uuid.UUID
    engagement_id: uuid.UUID
    linked: bool
    collected_at: dt.datetime
    kind: Literal["equality_response"] = "equality_response"
