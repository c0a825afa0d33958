"""Assessments: tables for assessments, panel members, evidence, ratings, consensus, complexity."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment_service.db import Base
from assessment_service.frameworks.definition import EsfTier, Gate, Outcome
from assessment_service.scoring.engine import ComplexityRating as ComplexityLevel, NasssDomain
from shared.changes import Audited
from shared.db import (
    IdMixin,
    JSONDocument,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
)

if TYPE_CHECKING:
    from assessment_service.frameworks.models import Framework


class AssessmentStatus(StrEnum):
    draft = "draft"
    open = "open"
    scoring = "scoring"
    moderation = "moderation"
    scored = "scored"
    decided = "decided"
    cancelled = "cancelled"


CLOSED = frozenset({AssessmentStatus.decided, AssessmentStatus.cancelled})


class EvidenceKind(StrEnum):
    study = "study"
    evaluation_report = "evaluation_report"
    routine_data = "routine_data"
    audit = "audit"
    journal_ref = "journal_ref"
    de_finding_ref = "de_finding_ref"
    business_case = "business_case"
    dtac_submission = "dtac_submission"
    stakeholder_feedback = "stakeholder_feedback"
    other = "other"


class ConsensusMethod(StrEnum):
    median = "median"
    panel_agreed = "panel_agreed"


class Assessment(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One appraisal of a project at a gate against a pinned template version."""

    __tablename__ = "assessment"
    # The exports read scored assessments by `scored_at` (as_of and updated_since).
    __table_args__ = (Index("ix_export_assessment_scored_at", "scored_at", "id"),)

    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    project_reference: Mapped[str | None] = mapped_column(String(32))
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("framework.id"), index=True)
    gate: Mapped[Gate] = mapped_column(enum_column(Gate, "assessment_gate"))
    status: Mapped[AssessmentStatus] = mapped_column(
        enum_column(AssessmentStatus, "assessment_status"), default=AssessmentStatus.draft
    )
    # "<project>:<gate>" while the assessment is neither decided nor cancelled, NULL after: a
    # unique column, so one open assessment per project and gate holds under concurrency too.
    open_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    panel_chair: Mapped[str] = mapped_column(String(200))
    context_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # The project's engagement evidence as the stakeholders service gave it when the assessment
    # was opened (or why it could not): `{"status": "captured" | "missing", ...}`.
    engagement_evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    esf_tier: Mapped[EsfTier | None] = mapped_column(enum_column(EsfTier, "assessment_esf_tier"))
    uses_piloting_template: Mapped[bool] = mapped_column(default=False)
    previous_assessment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("assessment.id"))
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    scored_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # The frozen engine result (every input, the template version) once scored.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    overall_score: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[str | None] = mapped_column(String(20))
    recommendation: Mapped[Outcome | None] = mapped_column(
        enum_column(Outcome, "assessment_recommendation")
    )
    created_by: Mapped[str | None] = mapped_column(String(200))

    template: Mapped[Framework] = relationship("Framework", lazy="raise")
    panel: Mapped[list[PanelMember]] = relationship(
        lazy="raise", order_by="PanelMember.subject", back_populates="assessment"
    )


class PanelMember(Audited, IdMixin, TimestampMixin, Base):
    """A named assessor: their conflict-of-interest declaration, any waiver, their submission."""

    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("assessment_id", "subject"),)

    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    declared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    has_conflict: Mapped[bool | None] = mapped_column()
    conflict_description: Mapped[str | None] = mapped_column(Text)
    waiver_reason: Mapped[str | None] = mapped_column(Text)
    waived_by: Mapped[str | None] = mapped_column(String(200))
    waived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Recusal once rating has started (before it, the chair replaces the assessor instead):
    # the member stays on record, their ratings no longer count.
    recused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recused_by: Mapped[str | None] = mapped_column(String(200))
    recusal_reason: Mapped[str | None] = mapped_column(Text)

    assessment: Mapped[Assessment] = relationship(lazy="raise", back_populates="panel")

    @property
    def eligible(self) -> bool:
        """May rate: not recused, declared, and either no conflict or a waiver from the chair."""
        if self.declared_at is None or self.recused_at is not None:
            return False
        return not self.has_conflict or self.waived_at is not None

    @property
    def declaration(self) -> str:
        if self.declared_at is None:
            return "pending"
        if not self.has_conflict:
            return "no_conflict"
        return "conflict_waived" if self.waived_at is not None else "conflict"


class EvidenceItem(Audited, IdMixin, TimestampMixin, Base):
    __tablename__ = "evidence_item"

    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind, "evidence_kind"))
    title: Mapped[str] = mapped_column(String(300))
    uri: Mapped[str | None] = mapped_column(String(1000))
    evidence_level: Mapped[int | None] = mapped_column(Integer)
    evidence_date: Mapped[dt.date | None] = mapped_column()
    # A journal entry (projects service) or a developmental-evaluation finding, by id.
    ref_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    added_by: Mapped[str | None] = mapped_column(String(200))


class Rating(Audited, IdMixin, TimestampMixin, Base):
    """One assessor's independent rating of one criterion."""

    __tablename__ = "rating"
    # Ratings stay independent until moderation: the audit trail and the change feed (readable
    # by governance and reporters) record that a rating changed, never its value or reasoning.
    # The frozen result shows every value once the assessment is scored.
    __audit_redact__ = frozenset({"value", "rationale", "unknown_reason", "evidence_level"})
    __table_args__ = (UniqueConstraint("assessment_id", "criterion_code", "assessor"),)

    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(80))
    assessor: Mapped[str] = mapped_column(String(200))
    value: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    unknown: Mapped[bool] = mapped_column(default=False)
    unknown_reason: Mapped[str | None] = mapped_column(Text)
    rationale: Mapped[str] = mapped_column(Text, default="")
    evidence_ids: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    evidence_level: Mapped[int | None] = mapped_column(Integer)


class ConsensusRating(Audited, IdMixin, TimestampMixin, Base):
    """The panel's agreed rating of a criterion, recorded at moderation."""

    __tablename__ = "consensus_rating"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion_code"),)

    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(80))
    value: Mapped[Any] = mapped_column(JSONDocument, nullable=True)
    unknown: Mapped[bool] = mapped_column(default=False)
    evidence_level: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[ConsensusMethod] = mapped_column(
        enum_column(ConsensusMethod, "consensus_method")
    )
    dissent_note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str | None] = mapped_column(String(200))


class ComplexityEntry(Audited, IdMixin, TimestampMixin, Base):
    """The NASSS complexity profile: beside the score as a risk flag, never weighted into it."""

    __tablename__ = "complexity_rating"
    __table_args__ = (UniqueConstraint("assessment_id", "nasss_domain"),)

    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), index=True)
    nasss_domain: Mapped[NasssDomain] = mapped_column(enum_column(NasssDomain, "nasss_domain"))
    rating: Mapped[ComplexityLevel] = mapped_column(
        enum_column(ComplexityLevel, "complexity_level")
    )
    note: Mapped[str] = mapped_column(Text, default="")
