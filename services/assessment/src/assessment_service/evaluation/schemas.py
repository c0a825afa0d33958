from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
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

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _unique(values: list[uuid.UUID]) -> list[uuid.UUID]:
    if len(set(values)) != len(values):
        raise ValueError("ids must not repeat")
    return values


IdList = Annotated[list[uuid.UUID], AfterValidator(_unique), Field(max_length=200)]


def _dates_in_order(start: dt.date | None, end: dt.date | None, end_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end_name} must not be before the start")


# -- evaluations -------------------------------------------------------------------------------


class EvaluationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
    start_date: dt.date | None = None
    end_date: dt.date | None = None

    @model_validator(mode="after")
    def _check(self) -> EvaluationCreate:
        _dates_in_order(self.start_date, self.end_date, "end_date")
        if len(set(self.principles_applied)) != len(self.principles_applied):
            raise ValueError("principles_applied must not repeat")
        return self


class EvaluationPatch(BaseModel):
    """JSON merge patch; `status` moves through `POST .../transition`."""

    model_config = ConfigDict(extra="forbid")

    purpose: EvaluationPurpose | None = None
    evaluators: list[Subject] | None = Field(None, max_length=20)
    primary_intended_users: list[Subject] | None = Field(None, max_length=50)
    principles_applied: list[Principle] | None = Field(None, max_length=8)
    sensemaking_cadence: SensemakingCadence | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


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


class EvaluationTransition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: EvaluationStatus = Field(description="planned → active → concluded.")


# -- learning questions ------------------------------------------------------------------------


class QuestionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    raised_at: AwareDatetime | None = Field(None, description="Defaults to now.")


class QuestionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text | None = None


class QuestionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    finding_ids: IdList = Field(min_length=1, description="Findings of this evaluation.")


class QuestionReframe(BaseModel):
    model_config = ConfigDict(extra="forbid")

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


class LogRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: RefKind
    id: uuid.UUID


class LogEntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    observed_at: AwareDatetime
    source: LogSource
    summary: Text
    refs: list[LogRef] = Field(default_factory=list, max_length=50)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    contains_personal_data: bool = False


class LogEntryPatch(BaseModel):
    """Only until the entry is reviewed in a sensemaking session; then amend by correction."""

    model_config = ConfigDict(extra="forbid")

    observed_at: AwareDatetime | None = None
    source: LogSource | None = None
    summary: Text | None = None
    refs: list[LogRef] | None = Field(None, max_length=50)
    tags: list[Tag] | None = Field(None, max_length=30)
    contains_personal_data: bool | None = None


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


class SessionAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Text
    owner: Subject | None = None
    due_on: dt.date | None = None


class SessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_at: AwareDatetime
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


class SessionPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participants: list[Subject] | None = Field(None, max_length=100)
    what: Text | None = None
    so_what: Text | None = None
    now_what: Text | None = None
    actions: list[SessionAction] | None = Field(None, max_length=50)


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


class FindingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: Text
    confidence: Confidence
    first_seen_at: AwareDatetime | None = Field(None, description="Defaults to now.")
    implications: OptionalText = ""
    evidence_log_ids: IdList = Field(default_factory=list)


class FindingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    statement: Text | None = None
    confidence: Confidence | None = None
    first_seen_at: AwareDatetime | None = None
    implications: OptionalText | None = None
    evidence_log_ids: IdList | None = None


class FindingTransition(BaseModel):
    model_config = ConfigDict(extra="forbid")

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


class AdaptationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AdaptationKind
    summary: Text = Field(description="What changes.")
    rationale: Text
    decided_at: AwareDatetime | None = Field(None, description="Defaults to now.")
    finding_ids: IdList = Field(default_factory=list, description="Findings that prompted it.")
    alternatives_considered: OptionalText = ""
    decided_by: list[Subject] = Field(default_factory=list, max_length=50)
    expected_effect: OptionalText = ""
    review_at: dt.date | None = Field(None, description="When its effect is to be reviewed.")
    outcome_map_change_ref: uuid.UUID | None = Field(
        None, description="The outcome-map version (projects) this led to."
    )


class AdaptationPatch(BaseModel):
    """Everything while `proposed`; afterwards only `outcome_map_change_ref`."""

    model_config = ConfigDict(extra="forbid")

    kind: AdaptationKind | None = None
    summary: Text | None = None
    rationale: Text | None = None
    decided_at: AwareDatetime | None = None
    finding_ids: IdList | None = None
    alternatives_considered: OptionalText | None = None
    decided_by: list[Subject] | None = Field(None, max_length=50)
    expected_effect: OptionalText | None = None
    review_at: dt.date | None = None
    outcome_map_change_ref: uuid.UUID | None = None


class AdaptationTransition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: AdaptationStatus = Field(description="proposed → agreed → implemented → reviewed.")
    at: AwareDatetime | None = Field(None, description="When it happened; defaults to now.")
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


class TheoryOfChangeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    narrative: Text
    assumptions: list[Assumption] = Field(default_factory=list, max_length=100)
    changed_because: IdList = Field(
        default_factory=list, description="Adaptations of this evaluation that led to it."
    )


class TheoryOfChangePatch(BaseModel):
    """Only the latest version can be edited; a newer version supersedes it."""

    model_config = ConfigDict(extra="forbid")

    narrative: Text | None = None
    assumptions: list[Assumption] | None = Field(None, max_length=100)
    changed_because: IdList | None = None


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


class BriefCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Short
    period_start: dt.date
    period_end: dt.date
    audience: list[Subject] = Field(min_length=1, max_length=50)
    key_messages: list[Text] = Field(min_length=1, max_length=20)
    uri: HttpUrl | None = None

    @model_validator(mode="after")
    def _check(self) -> BriefCreate:
        _dates_in_order(self.period_start, self.period_end, "period_end")
        return self


class BriefPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Short | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    audience: list[Subject] | None = Field(None, min_length=1, max_length=50)
    key_messages: list[Text] | None = Field(None, min_length=1, max_length=20)
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
