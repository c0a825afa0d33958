"""Performance journal (OM step 11): how the programme lived its eight organisational practices
in a period. One row per practice described, so the practice profile reads ratings in SQL."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from projects_service.db import Base
from projects_service.journals.models import JournalEntryMixin, JournalKind, Rating
from projects_service.outcome_maps.models import Practice
from shared.changes import Audited
from shared.db import IdMixin, JSONDocument, TimestampMixin, VersionedMixin, enum_column


class PerformanceJournalEntry(JournalEntryMixin, Base):
    __tablename__ = "performance_journal_entry"
    __table_args__ = (Index("ix_performance_journal_project_period", "project_id", "period_start"),)
    kind = JournalKind.performance

    practice_entries: Mapped[list[PracticeJournalEntry]] = relationship(
        lazy="raise", order_by="PracticeJournalEntry.position", viewonly=True
    )


class PracticeJournalEntry(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """One organisational practice as described in one performance journal entry."""

    __tablename__ = "practice_journal_entry"
    __table_args__ = (UniqueConstraint("entry_id", "practice"),)

    entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("performance_journal_entry.id"), index=True
    )
    practice: Mapped[Practice] = mapped_column(enum_column(Practice, "journal_practice", length=80))
    examples_or_indicators: Mapped[str] = mapped_column(Text, default="")
    sources_of_evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    # Optional: a practice can be described without being rated.
    rating: Mapped[Rating | None] = mapped_column(enum_column(Rating, "practice_rating_value"))
    position: Mapped[int] = mapped_column(Integer, default=0)
