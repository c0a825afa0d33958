"""Decisions: request and response bodies (decisions, conditions, override summary)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assessment_service.decisions.models import CitedKind, ConditionStatus, DecisionStatus
from assessment_service.frameworks.definition import Gate, Outcome
from shared.transitions import TransitionRequest
from shared.types import Date, InputModel, NotBlank

Short = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
Long = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NotBlank()
]


class Model(InputModel):
    """A request body (or a part of one) of this module."""


class ConditionCreate(Model):
    text: Long
    owner: Short = Field(description="Who must meet it (a subject or a named role).")
    due_date: Date


class CitationCreate(Model):
    kind: CitedKind
    id: uuid.UUID = Field(description="A finding, learning-log entry or adaptation of the project.")


class Citation(BaseModel):
    kind: CitedKind
    id: uuid.UUID
    evaluation_id: uuid.UUID
    summary: str = Field(description="The item's statement or summary as it read when cited.")


class Dissent(Model):
    member: Short
    note: Long


class DecisionCreate(Model):
    assessment_id: uuid.UUID
    outcome: Outcome
    rationale: str = Field("", max_length=8000, description="Required when overriding.")
    forum: Short = Field(description="Where it was decided, e.g. `Innovation Board`.")
    meeting_date: Date | None = Field(
        None, description="The date of the forum's meeting; default the day it is recorded (UTC)."
    )
    minutes_ref: str | None = Field(None, max_length=200)
    conditions: list[ConditionCreate] = Field(default_factory=list, max_length=30)
    dissent: list[Dissent] = Field(default_factory=list, max_length=30)
    review_by: Date | None = None
    citations: list[CitationCreate] = Field(
        default_factory=list,
        max_length=30,
        description="Developmental-evaluation items the decision relies on; each must exist "
        "for the assessment's project (422 with a pointer otherwise).",
    )
    supersedes_id: uuid.UUID | None = Field(
        None, description="Correct a decision: the new one supersedes it (never edited)."
    )


class ConditionTransition(TransitionRequest[ConditionStatus]):
    """Close an open condition: `met`, `waived` or `breached`; `reason` is kept as its note."""


class ConditionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    decision_id: uuid.UUID
    project_id: uuid.UUID
    text: str
    owner: str
    due_date: dt.date
    status: ConditionStatus
    status_note: str
    closed_at: dt.datetime | None
    updated_at: dt.datetime
    version: int
    allowed_transitions: list[ConditionStatus] = Field(
        description="The states you can move this condition to now "
        "(`POST .../conditions/{condition_id}/transitions`); empty once closed or for a caller "
        "who may not move it.",
    )


class DecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assessment_id: uuid.UUID
    project_id: uuid.UUID
    gate: Gate
    outcome: Outcome
    computed_recommendation: Outcome
    overridden: bool = Field(description="The outcome differs from the computed recommendation.")
    rationale: str
    forum: str
    meeting_date: dt.date | None
    minutes_ref: str | None
    dissent: list[Dissent]
    citations: list[Citation]
    review_by: dt.date | None
    decided_by: str
    decided_at: dt.datetime
    status: DecisionStatus
    supersedes_id: uuid.UUID | None
    superseded_by_id: uuid.UUID | None
    conditions: list[ConditionRead]
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class DecisionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    assessment_id: uuid.UUID
    project_id: uuid.UUID
    gate: Gate
    outcome: Outcome
    computed_recommendation: Outcome
    overridden: bool
    forum: str
    meeting_date: dt.date | None
    decided_by: str
    decided_at: dt.datetime
    status: DecisionStatus
    supersedes_id: uuid.UUID | None
    superseded_by_id: uuid.UUID | None
    updated_at: dt.datetime
    version: int


class OverrideCount(BaseModel):
    total: int
    overridden: int
    override_rate: float | None


class GateOverrides(OverrideCount):
    gate: Gate


class OutcomePair(BaseModel):
    computed_recommendation: Outcome
    outcome: Outcome
    count: int


class OverrideSummary(OverrideCount):
    """How often the board decides against the computed recommendation (current decisions
    only: a superseded decision is replaced by its correction)."""

    by_gate: list[GateOverrides]
    pairs: list[OutcomePair]
