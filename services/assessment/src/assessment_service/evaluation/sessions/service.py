"""Rules of sensemaking sessions: the entries reviewed belong to the same evaluation and are
fixed when the session is recorded. Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.models import (
    DevelopmentalEvaluation,
    LearningLogEntry,
    SensemakingSession,
    SessionEntry,
)
from assessment_service.evaluation.service import Writer, load, same_evaluation, writable
from assessment_service.evaluation.sessions import repository
from assessment_service.evaluation.sessions.errors import SessionNotFound
from assessment_service.evaluation.sessions.schemas import SessionCreate, SessionPatch, SessionRead
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes


async def get_session(session: AsyncSession, session_id: uuid.UUID) -> SensemakingSession:
    found: SensemakingSession = await load(
        session, SensemakingSession, session_id, SessionNotFound, *repository.SESSION_LOAD
    )
    return found


async def list_sessions(
    session: AsyncSession, evaluation: DevelopmentalEvaluation, pagination: Pagination
) -> Page[SessionRead]:
    rows = await pagination.rows(
        session,
        repository.sessions(evaluation.id),
        id_column=SensemakingSession.id,
        updated_column=SensemakingSession.updated_at,
    )
    return rows.as_page(SessionRead)


async def create_session(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: SessionCreate,
    writer: Writer,
) -> SensemakingSession:
    await writable(writer, evaluation)
    await same_evaluation(
        session, LearningLogEntry, evaluation.id, data.data_reviewed, "data_reviewed"
    )
    record = SensemakingSession(
        evaluation_id=evaluation.id,
        held_at=data.held_at,
        format=data.format,
        participants=data.participants,
        what=data.what,
        so_what=data.so_what,
        now_what=data.now_what,
        actions=[action.model_dump(mode="json") for action in data.actions],
        recorded_by=writer.principal.subject,
        entry_links=[SessionEntry(log_entry_id=entry_id) for entry_id in data.data_reviewed],
    )
    session.add(record)
    await session.flush()
    return record


async def update_session(
    session: AsyncSession,
    record: SensemakingSession,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: SessionPatch,
    writer: Writer,
) -> SensemakingSession:
    await writable(writer, evaluation)
    changes = merge_patch_changes(
        patch, required=("participants", "what", "so_what", "now_what", "actions")
    )
    if "actions" in changes:
        changes["actions"] = [
            {key: str(value) if isinstance(value, dt.date) else value for key, value in a.items()}
            for a in changes["actions"]
        ]
    apply_changes(record, changes)
    await session.flush()
    return record
