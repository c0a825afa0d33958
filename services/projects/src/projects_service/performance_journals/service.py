"""Performance journal rules (OM step 11): each of the eight practices described at most once
per entry, ratings optional; periods exclusive per project (its outcome map across versions).
The lifecycle is `journals.lifecycle`. Functions flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals import lifecycle
from projects_service.journals.errors import PracticeEntryRepeated
from projects_service.performance_journals import repository
from projects_service.performance_journals.models import (
    PerformanceJournalEntry,
    PracticeJournalEntry,
)
from projects_service.performance_journals.schemas import (
    PerformanceJournalEntryCreate,
    PerformanceJournalEntryPatch,
    PracticeEntryInput,
)
from projects_service.projects.models import Project
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError

_FIELDS = ("lessons", "contributors")


def _practice_rows(
    entry_id: uuid.UUID, inputs: Sequence[PracticeEntryInput]
) -> list[PracticeJournalEntry]:
    seen: set[str] = set()
    errors = []
    for index, item in enumerate(inputs):
        if item.practice in seen:
            errors.append(
                FieldError(
                    pointer=f"/practice_entries/{index}/practice",
                    location="body",
                    detail="This practice is described twice.",
                )
            )
        seen.add(item.practice)
    if errors:
        raise PracticeEntryRepeated("Describe each practice once per entry.", errors=errors)
    return [
        PracticeJournalEntry(
            entry_id=entry_id,
            practice=item.practice,
            examples_or_indicators=item.examples_or_indicators,
            sources_of_evidence=lifecycle.plain_evidence(
                [source.model_dump() for source in item.sources_of_evidence]
            ),
            rating=item.rating,
            position=index,
        )
        for index, item in enumerate(inputs)
    ]


def _scope(entry: PerformanceJournalEntry) -> lifecycle.Scope:
    return PerformanceJournalEntry.project_id == entry.project_id


async def create_entry(
    session: AsyncSession, project: Project, *, data: PerformanceJournalEntryCreate, actor: str
) -> PerformanceJournalEntry:
    outcome_map = await lifecycle.agreed_map_of(session, project, data.outcome_map_id)
    if data.amends_id is not None:
        await lifecycle.amendable_original(
            session, PerformanceJournalEntry, project.id, data.amends_id
        )
    entry = PerformanceJournalEntry(
        project_id=project.id,
        outcome_map_id=outcome_map.id,
        period_start=data.period_start,
        period_end=data.period_end,
        amends_id=data.amends_id,
        created_by=actor,
        **data.model_dump(include=set(_FIELDS)),
    )
    session.add(entry)
    await session.flush()
    await lifecycle.check_overlap(
        session, entry, scope=_scope(entry), scope_label="The outcome map"
    )
    session.add_all(_practice_rows(entry.id, data.practice_entries))
    await session.flush()
    return entry


async def update_entry(
    session: AsyncSession, entry: PerformanceJournalEntry, *, patch: PerformanceJournalEntryPatch
) -> PerformanceJournalEntry:
    lifecycle.ensure_draft(entry)
    changes = merge_patch_changes(
        patch, required=(*_FIELDS, "period_start", "period_end", "practice_entries")
    )
    replaced = changes.pop("practice_entries", None)
    apply_changes(entry, changes)
    lifecycle.check_period(entry.period_start, entry.period_end)
    if "period_start" in changes or "period_end" in changes:
        await lifecycle.check_overlap(
            session, entry, scope=_scope(entry), scope_label="The outcome map"
        )
    if replaced is not None:
        rows = _practice_rows(entry.id, patch.practice_entries or [])
        await repository.replace_practice_entries(session, entry.id, rows)
    await session.flush()
    return entry


async def submit_entry(
    session: AsyncSession, entry: PerformanceJournalEntry
) -> PerformanceJournalEntry:
    return await lifecycle.submit(
        session,
        entry,
        data={"practices": [row.practice for row in entry.practice_entries]},
    )


async def review_entry(
    session: AsyncSession, entry: PerformanceJournalEntry, *, reviewer: str
) -> PerformanceJournalEntry:
    return await lifecycle.review(session, entry, reviewer=reviewer)
