"""Developmental evaluation (DOMAIN.md A2.3): one evaluation per project and its learning trail.

Links between records of the same evaluation (evidence behind a finding, entries reviewed in a
session, findings that prompted an adaptation, ...) are rows in link tables with foreign keys, not
id lists in JSON: a finding cited as evidence, or a log entry reviewed, is a real reference the
database keeps consistent. Link rows are `Audited` too, so the change feed sees them.

Every table of the package stays in this one module (a little over 400 lines) although the code
above it is split by sub-resource: the records and their link tables reference each other, and
one module keeps those relationships, and the metadata alembic reads, in one place.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment_service.db import Base
from shared.changes import Audited
from shared.db import (
    IdMixin,
    JSONDocument,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    utcnow,
)


class EvaluationPurpose(StrEnum):
    """Patton's five contexts for developmental evaluation."""

    ongoing_development = "ongoing_development"
    adapting_principles_to_new_context = "adapting_principles_to_new_context"
    rapid_response_to_crisis = "rapid_response_to_crisis"
    preformative_development_of_potentially_scalable_innovation = (
        "preformative_development_of_potentially_scalable_innovation"
    )
    major_systems_change_cross_scale = "major_systems_change_cross_scale"


class Principle(StrEnum):
    """Patton's eight essential principles of developmental evaluation."""

    developmental_purpose = "developmental_purpose"
    evaluation_rigour = "evaluation_rigour"
    utilisation_focus = "utilisation_focus"
    innovation_niche = "innovation_niche"
    complexity_perspective = "complexity_perspective"
    systems_thinking = "systems_thinking"
    co_creation = "co_creation"
    timely_feedback = "timely_feedback"


class SensemakingCadence(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"
    ad_hoc = "ad_hoc"


class EvaluationStatus(StrEnum):
    planned = "planned"
    active = "active"
    concluded = "concluded"


class QuestionStatus(StrEnum):
    open = "open"
    answered = "answered"
    reframed = "reframed"
    retired = "retired"


class LogSource(StrEnum):
    interview = "interview"
    observation = "observation"
    meeting = "meeting"
    survey = "survey"
    routine_data = "routine_data"
    document = "document"
    om_journal = "om_journal"
    stakeholder_feedback = "stakeholder_feedback"


class SessionFormat(StrEnum):
    reflective_practice = "reflective_practice"
    sensemaking = "sensemaking"
    retrospective = "retrospective"
    action_learning = "action_learning"


class FindingStatus(StrEnum):
    emerging = "emerging"
    tested = "tested"
    confirmed = "confirmed"
    refuted = "refuted"


class Confidence(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class AdaptationKind(StrEnum):
    continue_ = "continue"
    tweak = "tweak"
    pivot = "pivot"
    expand = "expand"
    scale_back = "scale_back"
    stop_component = "stop_component"
    new_experiment = "new_experiment"


class AdaptationStatus(StrEnum):
    proposed = "proposed"
    agreed = "agreed"
    implemented = "implemented"
    reviewed = "reviewed"


class AssumptionStatus(StrEnum):
    holding = "holding"
    challenged = "challenged"
    revised = "revised"


class TimelineKind(StrEnum):
    """The kinds of record on an evaluation's learning timeline."""

    log_entry = "log_entry"
    session = "session"
    finding = "finding"
    adaptation = "adaptation"
    theory_of_change = "theory_of_change"


class DevelopmentalEvaluation(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "developmental_evaluation"

    # One evaluation per project: the unique index is the last line of defence behind the
    # service's check (two concurrent creations cannot both commit).
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    purpose: Mapped[EvaluationPurpose] = mapped_column(
        enum_column(EvaluationPurpose, "evaluation_purpose", length=80)
    )
    evaluators: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    primary_intended_users: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    principles_applied: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    sensemaking_cadence: Mapped[SensemakingCadence] = mapped_column(
        enum_column(SensemakingCadence, "sensemaking_cadence")
    )
    status: Mapped[EvaluationStatus] = mapped_column(
        enum_column(EvaluationStatus, "evaluation_status"), default=EvaluationStatus.planned
    )
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(200))


class LearningQuestion(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "learning_question"

    evaluation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("developmental_evaluation.id"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[QuestionStatus] = mapped_column(
        enum_column(QuestionStatus, "question_status"), default=QuestionStatus.open
    )
    reframed_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("learning_question.id"), index=True
    )
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))

    answer_links: Mapped[list[QuestionAnswer]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="QuestionAnswer.finding_id"
    )
    # The question this one was reframed into (at most one: only an open question is reframed).
    reframes: Mapped[list[LearningQuestion]] = relationship(
        lazy="raise",
        viewonly=True,
        foreign_keys=[reframed_from_id],
        order_by="LearningQuestion.id",
    )

    @property
    def answered_by_finding_ids(self) -> list[uuid.UUID]:
        return [link.finding_id for link in self.answer_links]

    @property
    def reframed_into_id(self) -> uuid.UUID | None:
        return self.reframes[0].id if self.reframes else None


class LearningLogEntry(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "learning_log_entry"
    # Free text may name people; the audit trail and the change feed (readable by `reporter`)
    # record that it changed, never its value.
    __audit_redact__ = frozenset({"summary", "tags"})
    # The second index serves the exports' `updated_since` (changed rows in id order).
    __table_args__ = (
        Index(None, "evaluation_id", "observed_at", "id"),
        Index("ix_export_learning_log_entry_updated_at", "updated_at", "id"),
    )

    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("developmental_evaluation.id"))
    observed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    source: Mapped[LogSource] = mapped_column(enum_column(LogSource, "log_source"))
    summary: Mapped[str] = mapped_column(Text)
    refs: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    contains_personal_data: Mapped[bool] = mapped_column(default=False)
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("learning_log_entry.id"), index=True
    )
    recorded_by: Mapped[str | None] = mapped_column(String(200))

    review_links: Mapped[list[SessionEntry]] = relationship(
        lazy="raise", viewonly=True, order_by="SessionEntry.session_id"
    )
    corrections: Mapped[list[LearningLogEntry]] = relationship(
        lazy="raise", viewonly=True, foreign_keys=[corrects_id], order_by="LearningLogEntry.id"
    )

    @property
    def reviewed_in_session_ids(self) -> list[uuid.UUID]:
        return [link.session_id for link in self.review_links]

    @property
    def corrected_by_ids(self) -> list[uuid.UUID]:
        return [entry.id for entry in self.corrections]


class SensemakingSession(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "sensemaking_session"
    __table_args__ = (Index(None, "evaluation_id", "held_at", "id"),)

    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("developmental_evaluation.id"))
    held_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    format: Mapped[SessionFormat] = mapped_column(enum_column(SessionFormat, "session_format"))
    participants: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    what: Mapped[str] = mapped_column(Text)
    so_what: Mapped[str] = mapped_column(Text)
    now_what: Mapped[str] = mapped_column(Text)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    recorded_by: Mapped[str | None] = mapped_column(String(200))

    entry_links: Mapped[list[SessionEntry]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="SessionEntry.log_entry_id"
    )

    @property
    def data_reviewed(self) -> list[uuid.UUID]:
        return [link.log_entry_id for link in self.entry_links]


class Finding(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "finding"
    # The second index serves the exports' `updated_since` (changed rows in id order).
    __table_args__ = (
        Index(None, "evaluation_id", "first_seen_at", "id"),
        Index("ix_export_finding_updated_at", "updated_at", "id"),
    )

    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("developmental_evaluation.id"))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[FindingStatus] = mapped_column(
        enum_column(FindingStatus, "finding_status"), default=FindingStatus.emerging
    )
    confidence: Mapped[Confidence] = mapped_column(enum_column(Confidence, "confidence"))
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    implications: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str | None] = mapped_column(String(200))

    evidence_links: Mapped[list[FindingEvidence]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="FindingEvidence.log_entry_id"
    )
    evaluation: Mapped[DevelopmentalEvaluation] = relationship(lazy="raise", viewonly=True)

    @property
    def project_id(self) -> uuid.UUID:
        return self.evaluation.project_id

    @property
    def evidence_log_ids(self) -> list[uuid.UUID]:
        return [link.log_entry_id for link in self.evidence_links]


class AdaptationDecision(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    # Named after the entity, not `adaptation`: the row events are `adaptation_decision.*`, so
    # they never collide with the domain event `adaptation.implemented` projects consumes.
    __tablename__ = "adaptation_decision"
    # The second index serves the exports' `updated_since` (changed rows in id order).
    __table_args__ = (
        Index(None, "evaluation_id", "decided_at", "id"),
        Index("ix_export_adaptation_decision_updated_at", "updated_at", "id"),
    )

    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("developmental_evaluation.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    kind: Mapped[AdaptationKind] = mapped_column(enum_column(AdaptationKind, "adaptation_kind"))
    summary: Mapped[str] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text)
    alternatives_considered: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    expected_effect: Mapped[str] = mapped_column(Text, default="")
    review_at: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[AdaptationStatus] = mapped_column(
        enum_column(AdaptationStatus, "adaptation_status"), default=AdaptationStatus.proposed
    )
    observed_effect: Mapped[str | None] = mapped_column(Text)
    agreed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    implemented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome_map_change_ref: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    recorded_by: Mapped[str | None] = mapped_column(String(200))

    finding_links: Mapped[list[AdaptationFinding]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="AdaptationFinding.finding_id"
    )

    @property
    def pivot(self) -> bool:
        return self.kind is AdaptationKind.pivot

    @property
    def finding_ids(self) -> list[uuid.UUID]:
        return [link.finding_id for link in self.finding_links]


class TheoryOfChangeVersion(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "theory_of_change_version"
    __table_args__ = (UniqueConstraint("evaluation_id", "number"),)

    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("developmental_evaluation.id"))
    number: Mapped[int] = mapped_column(Integer)
    narrative: Mapped[str] = mapped_column(Text)
    assumptions: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    recorded_by: Mapped[str | None] = mapped_column(String(200))

    adaptation_links: Mapped[list[TheoryOfChangeAdaptation]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="TheoryOfChangeAdaptation.adaptation_id",
    )

    @property
    def changed_because(self) -> list[uuid.UUID]:
        return [link.adaptation_id for link in self.adaptation_links]


class LearningBrief(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "learning_brief"

    evaluation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("developmental_evaluation.id"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    audience: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    key_messages: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    uri: Mapped[str | None] = mapped_column(String(2000))
    recorded_by: Mapped[str | None] = mapped_column(String(200))


# -- links -------------------------------------------------------------------------------------
# A surrogate id (not the pair) is the key: audit and change-feed entries name one entity id.


class QuestionAnswer(Audited, IdMixin, Base):
    """A finding that answers a learning question."""

    __tablename__ = "learning_question_answer"
    __table_args__ = (UniqueConstraint("question_id", "finding_id"),)

    question_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("learning_question.id"))
    finding_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finding.id"), index=True)


class SessionEntry(Audited, IdMixin, Base):
    """A log entry reviewed in a sensemaking session; from then on the entry is append-only."""

    __tablename__ = "sensemaking_session_entry"
    __table_args__ = (UniqueConstraint("session_id", "log_entry_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sensemaking_session.id"))
    log_entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("learning_log_entry.id"), index=True)


class FindingEvidence(Audited, IdMixin, Base):
    """A log entry behind a finding."""

    __tablename__ = "finding_evidence"
    __table_args__ = (UniqueConstraint("finding_id", "log_entry_id"),)

    finding_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finding.id"))
    log_entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("learning_log_entry.id"), index=True)


class AdaptationFinding(Audited, IdMixin, Base):
    """A finding that prompted an adaptation decision."""

    __tablename__ = "adaptation_finding"
    __table_args__ = (UniqueConstraint("adaptation_id", "finding_id"),)

    adaptation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("adaptation_decision.id"))
    finding_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("finding.id"), index=True)


class TheoryOfChangeAdaptation(Audited, IdMixin, Base):
    """An adaptation that changed the theory of change into this version."""

    __tablename__ = "theory_of_change_adaptation"
    __table_args__ = (UniqueConstraint("version_id", "adaptation_id"),)

    version_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("theory_of_change_version.id"))
    adaptation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("adaptation_decision.id"), index=True
    )
