"""Evaluation: request and response bodies for every developmental-evaluation record."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    model_validator,
)

from assessment_service.evaluation.models import (
    AdaptationKind,
    AdaptationStatus,
    AssumptionStatus,
    Confidence,
    EvaluationPurpose,
    EvaluationStatus,
    FindingStatus,
    LogSource,
    Principle,
    QuestionStatus,
    SensemakingCadence,
    SessionFormat,
)
from shared.types import Bool, Date, InputModel, NotBlank, UtcDateTime, omittable

Short = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000), NotBlank()
]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), NotBlank()
]
Subject = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]


def _unique(values: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(set(values)) != len(values):
        raise ValueError("ids must not repeat")
    return values


IdList = Annotated[list[uuid.UUID], AfterValidator(_unique), Field(max_length=200)]


def _dates_in_order(start: dt.date | None, end: dt.date | None, end_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end_name} must not be before the start")


# -- evaluations -------------------------------------------------------------------------------


class EvaluationCreate(InputModel):
    project_id: uuid.UUID = Field(description="The project (projects service); one DE each.")
    purpose: EvaluationPurpose = Field(description="Patton's five DE contexts.")
    evaluators: list[Subject] = Field(default_factory=list, max_length=20)
    primary_intended_users: list[Subject] = Field(
        default_factory=list,
        max_length=50,
        description="Team subjects or stakeholder ids the learning is for.",
    )
    principles_applied: list[Principle] = Field(default_factory=list, max_length=8)
    sensemaking_cadence: SensemakingCadence
    start_date: Date | None = None
    end_date: Date | None = None

    @model_validator(mode="after")
    def _check(self) -> EvaluationCreate:
        _dates_in_order(self.start_date, self.end_date, "end_date")
        if len(set(self.principles_applied)) != len(self.principles_applied):
            raise ValueError("principles_applied must not repeat")
        return self


class EvaluationPatch(InputModel):
    """JSON merge patch; `status` moves through `POST .../transition`."""

    purpose: EvaluationPurpose = omittable()
    evaluators: list[Subject] = omittable(max_length=20)
    primary_intended_users: list[Subject] = omittable(max_length=50)
    principles_applied: list[Principle] = omittable(max_length=8)
    sensemaking_cadence: SensemakingCadence = omittable()
    start_date: Date | None = None
    end_date: Date | None = None


class EvaluationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    purpose: EvaluationPurpose
    evaluators: list[str]
    primary_intended_users: list[str]
    principles_applied: list[Principle]
    sensemaking_cadence: SensemakingCadence
    status: EvaluationStatus
    start_date: dt.date | None
    end_date: dt.date | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class EvaluationTransition(InputModel):
    to: EvaluationStatus = Field(description="planned → active → concluded.")


# -- learning questions ------------------------------------------------------------------------


class QuestionCreate(InputModel):
    text: Text
    raised_at: UtcDateTime | None = Field(None, description="Defaults to now.")


class QuestionPatch(InputModel):
    text: Text = omittable()


class QuestionAnswer(InputModel):
    finding_ids: IdList = Field(min_length=1, description="Findings of this evaluation.")


class QuestionReframe(InputModel):
    text: Text = Field(description="The new question; it links back to the one it replaces.")


class QuestionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    text: str
    status: QuestionStatus
    reframed_from_id: uuid.UUID | None
    answered_by_finding_ids: list[uuid.UUID]
    raised_at: dt.datetime
    closed_at: dt.datetime | None
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


# -- learning log ------------------------------------------------------------------------------


class RefKind(StrEnum):
    journal_entry = "journal_entry"  # → projects: an outcome-mapping journal entry
    engagement = "engagement"  # → stakeholders: an engagement


class LogRef(InputModel):
    kind: RefKind
    id: uuid.UUID


class LogEntryCreate(InputModel):
    observed_at: UtcDateTime
    source: LogSource
    summary: Text
    refs: list[LogRef] = Field(default_factory=list, max_length=50)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    contains_personal_data: Bool = False


class LogEntryPatch(InputModel):
    """Only until the entry is reviewed in a sensemaking session; then amend by correction."""

    observed_at: UtcDateTime = omittable()
    source: LogSource = omittable()
    summary: Text = omittable()
    refs: list[LogRef] = omittable(max_length=50)
    tags: list[Tag] = omittable(max_length=30)
    contains_personal_data: Bool = omittable()


class LogEntryRead(BaseModel):
    """`summary` and `tags` are omitted (absent, not null) for `reporter` callers when the entry
    is flagged `contains_personal_data`; `personal_data_withheld` says so."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    observed_at: dt.datetime
    source: LogSource
    summary: str | None = None
    refs: list[LogRef]
    tags: list[str] | None = None
    contains_personal_data: bool
    personal_data_withheld: bool = False
    corrects_id: uuid.UUID | None
    corrected_by_ids: list[uuid.UUID]
    reviewed_in_session_ids: list[uuid.UUID]
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


# -- sensemaking sessions ----------------------------------------------------------------------


class SessionAction(InputModel):
    description: Text
    owner: Subject | None = None
    due_on: Date | None = None


class SessionCreate(InputModel):
    held_at: UtcDateTime
    format: SessionFormat
    participants: list[Subject] = Field(default_factory=list, max_length=100)
    what: Text = Field(description="What? What happened, what did the data show.")
    so_what: Text = Field(description="So what? What it means.")
    now_what: Text = Field(description="Now what? What to do next.")
    actions: list[SessionAction] = Field(default_factory=list, max_length=50)
    data_reviewed: IdList = Field(
        default_factory=list,
        description="Log entries of this evaluation reviewed here; they become append-only.",
    )


class SessionPatch(InputModel):
    participants: list[Subject] = omittable(max_length=100)
    what: Text = omittable()
    so_what: Text = omittable()
    now_what: Text = omittable()
    actions: list[SessionAction] = omittable(max_length=50)


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    held_at: dt.datetime
    format: SessionFormat
    participants: list[str]
    what: str
    so_what: str
    now_what: str
    actions: list[SessionAction]
    data_reviewed: list[uuid.UUID]
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


# -- findings ----------------------------------------------------------------------------------


class FindingCreate(InputModel):
    statement: Text
    confidence: Confidence
    first_seen_at: UtcDateTime | None = Field(None, description="Defaults to now.")
    implications: OptionalText = ""
    evidence_log_ids: IdList = Field(default_factory=list)


class FindingPatch(InputModel):
    statement: Text = omittable()
    confidence: Confidence = omittable()
    first_seen_at: UtcDateTime = omittable()
    implications: OptionalText = omittable()
    evidence_log_ids: IdList = omittable()


class FindingTransition(InputModel):
    to: FindingStatus = Field(
        description="emerging → tested → confirmed | refuted; emerging → refuted."
    )
    confidence: Confidence | None = Field(None, description="Re-rate the confidence as it moves.")


class FindingRead(BaseModel):
    """Also the contract for impact assessments citing a finding as evidence."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    project_id: uuid.UUID
    statement: str
    status: FindingStatus
    confidence: Confidence
    first_seen_at: dt.datetime
    implications: str
    evidence_log_ids: list[uuid.UUID]
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


# -- adaptation decisions ----------------------------------------------------------------------


class AdaptationCreate(InputModel):
    kind: AdaptationKind
    summary: Text = Field(description="What changes.")
    rationale: Text
    decided_at: UtcDateTime | None = Field(None, description="Defaults to now.")
    finding_ids: IdList = Field(default_factory=list, description="Findings that prompted it.")
    alternatives_considered: OptionalText = ""
    decided_by: list[Subject] = Field(default_factory=list, max_length=50)
    expected_effect: OptionalText = ""
    review_at: Date | None = Field(None, description="When its effect is to be reviewed.")
    outcome_map_change_ref: uuid.UUID | None = Field(
        None, description="The outcome-map version (projects) this led to."
    )


class AdaptationPatch(InputModel):
    """Everything while `proposed`; afterwards only `outcome_map_change_ref`."""

    kind: AdaptationKind = omittable()
    summary: Text = omittable()
    rationale: Text = omittable()
    decided_at: UtcDateTime = omittable()
    finding_ids: IdList = omittable()
    alternatives_considered: OptionalText = omittable()
    decided_by: list[Subject] = omittable(max_length=50)
    expected_effect: OptionalText = omittable()
    review_at: Date | None = None
    outcome_map_change_ref: uuid.UUID | None = None


class AdaptationTransition(InputModel):
    to: AdaptationStatus = Field(description="proposed → agreed → implemented → reviewed.")
    at: UtcDateTime | None = Field(None, description="When it happened; defaults to now.")
    observed_effect: Text | None = Field(None, description="Required to move to `reviewed`.")


class AdaptationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    kind: AdaptationKind
    pivot: bool
    summary: str
    rationale: str
    decided_at: dt.datetime
    finding_ids: list[uuid.UUID]
    alternatives_considered: str
    decided_by: list[str]
    expected_effect: str
    review_at: dt.date | None
    status: AdaptationStatus
    observed_effect: str | None
    agreed_at: dt.datetime | None
    implemented_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    outcome_map_change_ref: uuid.UUID | None
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


# -- theory of change --------------------------------------------------------------------------


class Assumption(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    text: Text
    status: AssumptionStatus = AssumptionStatus.holding


class TheoryOfChangeCreate(InputModel):
    narrative: Text
    assumptions: list[Assumption] = Field(default_factory=list, max_length=100)
    changed_because: IdList = Field(
        default_factory=list, description="Adaptations of this evaluation that led to it."
    )


class TheoryOfChangePatch(InputModel):
    """Only the latest version can be edited; a newer version supersedes it."""

    narrative: Text = omittable()
    assumptions: list[Assumption] = omittable(max_length=100)
    changed_because: IdList = omittable()


class TheoryOfChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    number: int
    narrative: str
    assumptions: list[Assumption]
    changed_because: list[uuid.UUID]
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


# -- learning briefs ---------------------------------------------------------------------------


class BriefCreate(InputModel):
    title: Short
    period_start: Date
    period_end: Date
    audience: list[Subject] = Field(min_length=1, max_length=50)
    key_messages: list[Text] = Field(min_length=1, max_length=20)
    uri: HttpUrl | None = None

    @model_validator(mode="after")
    def _check(self) -> BriefCreate:
        _dates_in_order(self.period_start, self.period_end, "period_end")
        return self


class BriefPatch(InputModel):
    title: Short = omittable()
    period_start: Date = omittable()
    period_end: Date = omittable()
    audience: list[Subject] = omittable(min_length=1, max_length=50)
    key_messages: list[Text] = omittable(min_length=1, max_length=20)
    uri: HttpUrl | None = None


class BriefRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    evaluation_id: uuid.UUID
    title: str
    period_start: dt.date
    period_end: dt.date
    audience: list[str]
    key_messages: list[str]
    uri: str | None
    recorded_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


# -- reads across kinds ------------------------------------------------------------------------


class TimelineKind(StrEnum):
    log_entry = "log_entry"
    session = "session"
    finding = "finding"
    adaptation = "adaptation"
    theory_of_change = "theory_of_change"


class TimelineItem(BaseModel):
    """One record of the learning trail. `text` is the record's headline (log summary, session
    What?, finding statement, adaptation summary, ToC narrative); it is omitted for `reporter`
    callers on log entries flagged `contains_personal_data`."""

    model_config = ConfigDict(from_attributes=True)

    kind: TimelineKind
    id: uuid.UUID = Field(description="The record's id; GET it under its own collection.")
    occurred_at: dt.datetime = Field(
        description="observed_at, held_at, first_seen_at, decided_at, or a ToC version's creation."
    )
    recorded_at: dt.datetime
    updated_at: dt.datetime
    pivot: bool = Field(description="True for an adaptation of kind `pivot`.")
    contains_personal_data: bool
    text: str | None = None


class AdaptationReviewShare(BaseModel):
    due: int = Field(description="Adaptations whose review date has passed, or already reviewed.")
    reviewed_by_review_date: int
    share: float | None = Field(description="reviewed_by_review_date / due; null when none due.")


class AssumptionsPerVersion(BaseModel):
    version_id: uuid.UUID
    number: int
    assumptions: int
    challenged: int


class EvaluationMetrics(BaseModel):
    evaluation_id: uuid.UUID
    generated_at: dt.datetime
    as_of_date: dt.date = Field(description="The day review dates are judged against (UTC).")
    open_questions: int
    findings_with_adaptation: int
    median_days_finding_to_first_adaptation: float | None = Field(
        description="Median over findings with at least one linked adaptation of the days from "
        "the finding's first_seen_at to the earliest decided_at of those adaptations."
    )
    adaptations_reviewed: AdaptationReviewShare
    assumptions_challenged_per_version: list[AssumptionsPerVersion]
