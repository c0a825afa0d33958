"""The three OM monitoring journals (steps 9-11): dated, append-only records with amendments.

`JournalEntryMixin` holds what every journal entry has (period, contributors, lessons, the
draft → submitted → reviewed lifecycle, `amends_id`); `JOURNAL_TRANSITIONS` is that lifecycle's
machine. Below it, each kind's table: what that journal records beyond the shared columns."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from projects_service.db import Base
from projects_service.outcome_maps.models import MarkerLevel, Practice
from shared.changes import Audited
from shared.db import (
    IdMixin,
    JSONDocument,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
)


class JournalStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    reviewed = "reviewed"
    amended = "amended"


# The moves a caller asks for. `amended` is never asked for: an entry becomes amended when the
# correction naming it (`amends_id`) is submitted.
JOURNAL_TRANSITIONS: Mapping[JournalStatus, tuple[JournalStatus, ...]] = {
    JournalStatus.draft: (JournalStatus.submitted,),
    JournalStatus.submitted: (JournalStatus.reviewed,),
    JournalStatus.reviewed: (),
    JournalStatus.amended: (),
}


class JournalKind(StrEnum):
    """The `journal` field of `journal.submitted`."""

    outcome = "outcome"
    strategy = "strategy"
    performance = "performance"


class Rating(StrEnum):
    """Ordered: not_observed < low < medium < high."""

    not_observed = "not_observed"
    low = "low"
    medium = "medium"
    high = "high"


class JournalEntryMixin(Audited, IdMixin, TimestampMixin, VersionedMixin):
    """Columns every journal entry has. `kind` names the journal in events and messages."""

    kind: ClassVar[JournalKind]
    __tablename__: Any  # declared here so the lifecycle can name the entity in events

    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project.id"), index=True)
    outcome_map_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outcome_map.id"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    contributors: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    lessons: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[JournalStatus] = mapped_column(
        enum_column(JournalStatus, "journal_status"), default=JournalStatus.draft
    )
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    amends_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    created_by: Mapped[str | None] = mapped_column(String(200))


class OutcomeJournalEntry(JournalEntryMixin, Base):
    """Outcome journal (OM step 9): the change seen in one boundary partner in a period."""

    __tablename__ = "outcome_journal_entry"
    __table_args__ = (
        Index("ix_outcome_journal_partner_period", "partner_lineage_id", "period_start"),
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_outcome_journal_entry_updated_at", "updated_at"),
    )
    kind = JournalKind.outcome

    boundary_partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("boundary_partner.id"))
    partner_lineage_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    description_of_change: Mapped[str] = mapped_column(Text, default="")
    contributing_factors_and_actors: Mapped[str] = mapped_column(Text, default="")
    sources_of_evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    unanticipated_change: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    significance: Mapped[str] = mapped_column(Text, default="")
    required_programme_changes: Mapped[str] = mapped_column(Text, default="")

    ratings: Mapped[list[MarkerRating]] = relationship(
        lazy="raise", order_by="MarkerRating.position", viewonly=True
    )


class MarkerRating(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One progress marker as rated in one outcome journal entry."""

    __tablename__ = "marker_rating"
    __table_args__ = (
        UniqueConstraint("entry_id", "progress_marker_id"),
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_marker_rating_updated_at", "updated_at"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outcome_journal_entry.id"), index=True)
    progress_marker_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("progress_marker.id"))
    marker_lineage_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    level: Mapped[MarkerLevel] = mapped_column(enum_column(MarkerLevel, "rating_marker_level"))
    rating: Mapped[Rating] = mapped_column(enum_column(Rating, "marker_rating_value"))
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)


class StrategyJournalEntry(JournalEntryMixin, Base):
    """Strategy journal (OM step 10): what the programme did for its strategies in a period,
    how well it worked, and what it will change."""

    __tablename__ = "strategy_journal_entry"
    __table_args__ = (
        Index("ix_strategy_journal_project_period", "project_id", "period_start"),
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_strategy_journal_entry_updated_at", "updated_at"),
    )
    kind = JournalKind.strategy

    # Strategy-map entries of `outcome_map_id` (ids as strings): a JSON list, not a link table,
    # because nothing queries from a strategy to its journal entries.
    strategy_ids: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    activities_implemented: Mapped[str] = mapped_column(Text, default="")
    effectiveness: Mapped[str] = mapped_column(Text, default="")
    outputs: Mapped[str] = mapped_column(Text, default="")
    required_follow_up: Mapped[str] = mapped_column(Text, default="")
    programme_response: Mapped[str] = mapped_column(Text, default="")


class PerformanceJournalEntry(JournalEntryMixin, Base):
    """Performance journal (OM step 11): how the programme lived its eight organisational
    practices in a period. One row per practice described, so the practice profile reads
    ratings in SQL."""

    __tablename__ = "performance_journal_entry"
    __table_args__ = (
        Index("ix_performance_journal_project_period", "project_id", "period_start"),
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_performance_journal_entry_updated_at", "updated_at"),
    )
    kind = JournalKind.performance

    practice_entries: Mapped[list[PracticeJournalEntry]] = relationship(
        lazy="raise", order_by="PracticeJournalEntry.position", viewonly=True
    )


class PracticeJournalEntry(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One organisational practice as described in one performance journal entry."""

    __tablename__ = "practice_journal_entry"
    __table_args__ = (
        UniqueConstraint("entry_id", "practice"),
        # Incremental exports (`updated_since`) seek the rows changed after a moment.
        Index("ix_practice_journal_entry_updated_at", "updated_at"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("performance_journal_entry.id"), index=True
    )
    practice: Mapped[Practice] = mapped_column(enum_column(Practice, "journal_practice", length=80))
    examples_or_indicators: Mapped[str] = mapped_column(Text, default="")
    sources_of_evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    # Optional: a practice can be described without being rated.
    rating: Mapped[Rating | None] = mapped_column(enum_column(Rating, "practice_rating_value"))
    position: Mapped[int] = mapped_column(Integer, default=0)
