"""Rules of the learning log: free text flagged as personal data is withheld by role, and a
reviewed entry is append-only. Functions flush, never commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.log import repository
from assessment_service.evaluation.log.errors import LogEntryNotFound, LogEntryReviewed
from assessment_service.evaluation.log.schemas import LogEntryCreate, LogEntryPatch, LogEntryRead
from assessment_service.evaluation.models import (
    DevelopmentalEvaluation,
    LearningLogEntry,
    LogSource,
)
from assessment_service.evaluation.service import Writer, load, sees_personal_free_text, writable
from shared.auth import Principal
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes


async def get_log_entry(session: AsyncSession, entry_id: uuid.UUID) -> LearningLogEntry:
    found: LearningLogEntry = await load(
        session, LearningLogEntry, entry_id, LogEntryNotFound, *repository.LOG_ENTRY_LOAD
    )
    return found


def log_entry_read(entry: LearningLogEntry, principal: Principal) -> LogEntryRead:
    """The entry as this caller may see it: flagged free text is left out (absent, not blanked)
    for callers without a role that reads personal data (`reporter`)."""
    read = LogEntryRead.model_validate(entry)
    if entry.contains_personal_data and not sees_personal_free_text(principal):
        shown = read.model_dump(exclude={"summary", "tags"})
        shown["personal_data_withheld"] = True
        return LogEntryRead.model_validate(shown)
    return read.model_copy(update={"personal_data_withheld": False})


async def list_log_entries(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    pagination: Pagination,
    principal: Principal,
    *,
    source: LogSource | None,
    contains_personal_data: bool | None,
    corrects_id: uuid.UUID | None,
) -> Page[LogEntryRead]:
    rows = await pagination.rows(
        session,
        repository.entries(
            evaluation.id,
            source=source,
            contains_personal_data=contains_personal_data,
            corrects_id=corrects_id,
        ),
        id_column=LearningLogEntry.id,
        updated_column=LearningLogEntry.updated_at,
    )
    return Page[LogEntryRead](
        items=[log_entry_read(entry, principal) for entry in rows.items],
        next_cursor=rows.next_cursor,
    )


def _log_values(data: LogEntryCreate | dict[str, Any]) -> dict[str, Any]:
    values = data.model_dump() if isinstance(data, LogEntryCreate) else dict(data)
    if "refs" in values and values["refs"] is not None:
        values["refs"] = [
            {"kind": str(ref["kind"]), "id": str(ref["id"])} for ref in values["refs"]
        ]
    return values


async def create_log_entry(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: LogEntryCreate,
    writer: Writer,
    corrects: LearningLogEntry | None = None,
) -> LearningLogEntry:
    await writable(writer, evaluation)
    entry = LearningLogEntry(
        evaluation_id=evaluation.id,
        recorded_by=writer.principal.subject,
        corrects_id=corrects.id if corrects is not None else None,
        # A new entry has no reviews or corrections yet (the relationships never lazy-load).
        review_links=[],
        corrections=[],
        **_log_values(data),
    )
    session.add(entry)
    await session.flush()
    return entry


async def update_log_entry(
    session: AsyncSession,
    entry: LearningLogEntry,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: LogEntryPatch,
    writer: Writer,
) -> LearningLogEntry:
    await writable(writer, evaluation)
    if await repository.is_reviewed(session, entry.id):
        raise LogEntryReviewed(
            "Reviewed entries are append-only: POST a correction to "
            f"/v1/evaluation/log-entries/{entry.id}/corrections."
        )
    changes = merge_patch_changes(
        patch,
        required=("observed_at", "source", "summary", "refs", "tags", "contains_personal_data"),
    )
    apply_changes(entry, _log_values(changes))
    await session.flush()
    return entry
