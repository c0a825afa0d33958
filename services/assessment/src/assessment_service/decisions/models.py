"""Decisions: tables for governance decisions (never edited) and their conditions."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessment_service.db import Base
from assessment_service.frameworks.definition import Gate, Outcome
from shared.changes import Audited
from shared.db import (
    IdMixin,
    JSONDocument,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
)


class DecisionStatus(StrEnum):
    recorded = "recorded"
    conditions_open = "conditions_open"
    closed = "closed"
    superseded = "superseded"


class CitedKind(StrEnum):
    """Developmental-evaluation items a decision can cite (#14 item 6)."""

    finding = "finding"
    learning_log_entry = "learning_log_entry"
    adaptation = "adaptation"


class ConditionStatus(StrEnum):
    open = "open"
    met = "met"
    waived = "waived"
    breached = "breached"
    # The decision it belongs to was superseded while it was open: it follows the decision
    # (no longer open, never overdue); the correcting decision states its own conditions.
    superseded = "superseded"


class Decision(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A governance decision at a gate. Never edited: a correction is a new decision that
    supersedes this one (only `status` and `superseded_by_id` ever change)."""

    __tablename__ = "decision"
    # A meeting's decisions: `GET /v1/decisions?forum=&meeting_date=`.
    __table_args__ = (Index("ix_decision_forum_meeting_date", "forum", "meeting_date", "id"),)

    assessment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("assessment.id"), index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    gate: Mapped[Gate] = mapped_column(enum_column(Gate, "decision_gate"))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "decision_outcome"))
    computed_recommendation: Mapped[Outcome] = mapped_column(
        enum_column(Outcome, "decision_recommendation")
    )
    overridden: Mapped[bool] = mapped_column(default=False)
    rationale: Mapped[str] = mapped_column(Text, default="")
    forum: Mapped[str] = mapped_column(String(200))
    # The meeting's date (the board pack asks for a forum's meeting); the day it was recorded
    # unless given. Null only for rows older than the column, which the migration backfilled.
    meeting_date: Mapped[dt.date | None] = mapped_column(Date)
    minutes_ref: Mapped[str | None] = mapped_column(String(200))
    dissent: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    # Developmental-evaluation items the board relied on, each checked to exist for this
    # project when recorded: {kind, id, evaluation_id, summary (as it read then)}.
    citations: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONDocument, default=list, server_default="[]"
    )
    review_by: Mapped[dt.date | None] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[DecisionStatus] = mapped_column(enum_column(DecisionStatus, "decision_status"))
    # Unique: a decision is superseded at most once, so corrections form a chain, not a tree.
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decision.id"), unique=True)
    superseded_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    conditions: Mapped[list[DecisionCondition]] = relationship(
        lazy="raise", order_by="DecisionCondition.due_date"
    )


class DecisionCondition(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    __tablename__ = "decision_condition"

    decision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("decision.id"), index=True)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[ConditionStatus] = mapped_column(
        enum_column(ConditionStatus, "condition_status"), default=ConditionStatus.open
    )
    status_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
