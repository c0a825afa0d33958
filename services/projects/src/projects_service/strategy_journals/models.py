"""Strategy journal (OM step 10): what the programme did for its strategies in a period, how
well it worked, and what it will change. Lifecycle and columns shared with the other journals
come from `JournalEntryMixin`."""

from __future__ import annotations

from sqlalchemy import Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from projects_service.db import Base
from projects_service.journals.models import JournalEntryMixin, JournalKind
from shared.db import JSONDocument


class StrategyJournalEntry(JournalEntryMixin, Base):
    __tablename__ = "strategy_journal_entry"
    __table_args__ = (Index("ix_strategy_journal_project_period", "project_id", "period_start"),)
    kind = JournalKind.strategy

    # Strategy-map entries of `outcome_map_id` (ids as strings): a JSON list, not a link table,
    # because nothing queries from a strategy to its journal entries.
    strategy_ids: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    activities_implemented: Mapped[str] = mapped_column(Text, default="")
    effectiveness: Mapped[str] = mapped_column(Text, default="")
    outputs: Mapped[str] = mapped_column(Text, default="")
    required_follow_up: Mapped[str] = mapped_column(Text, default="")
    programme_response: Mapped[str] = mapped_column(Text, default="")
