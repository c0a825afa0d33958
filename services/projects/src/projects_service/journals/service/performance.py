"""Performance journal rules (OM step 11): each of the eight practices described at most once
per entry, ratings optional; periods exclusive per project (its outcome map across versions).
The lifecycle is `lifecycle`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals.errors import PracticeEntryRepeated
from projects_service.journals.models import PerformanceJournalEntry, PracticeJournalEntry
from projects_service.journals.schemas.performance import (
    PerformanceJournalEntryCreate,
    PracticeEntryInput,
)
from projects_service.journals.service.kind import (
    Journal,
    agreed_map_of,
    body_error,
    plain_evidence,
)
from projects_service.projects.models import Project


class PerformanceJournal(Journal[PerformanceJournalEntry, PerformanceJournalEntryCreate]):
    model = PerformanceJournalEntry
    children = "practice_entries"
    child_model = PracticeJournalEntry

    async def anchor(
        self, session: AsyncSession, project: Project, data: PerformanceJournalEntryCreate
    ) -> dict[str, Any]:
        return {"outcome_map_id": (await agreed_map_of(session, project, data.outcome_map_id)).id}

    async def child_rows(
        self, session: AsyncSession, entry: PerformanceJournalEntry, items: Sequence[Any]
    ) -> list[Any]:
        practices: Sequence[PracticeEntryInput] = items
        seen: set[str] = set()
        errors = []
        for index, item in enumerate(practices):
            if item.practice in seen:
                pointer = f"/practice_entries/{index}/practice"
                errors += body_error(pointer, "This practice is described twice.")
            seen.add(item.practice)
        if errors:
            raise PracticeEntryRepeated("Describe each practice once per entry.", errors=errors)
        return [
            PracticeJournalEntry(
                entry_id=entry.id,
                practice=item.practice,
                examples_or_indicators=item.examples_or_indicators,
                sources_of_evidence=plain_evidence(
                    [source.model_dump() for source in item.sources_of_evidence]
                ),
                rating=item.rating,
                position=index,
            )
            for index, item in enumerate(practices)
        ]

    def event_data(self, entry: PerformanceJournalEntry) -> dict[str, Any]:
        return {"practices": [row.practice for row in entry.practice_entries]}


PERFORMANCE = PerformanceJournal()
