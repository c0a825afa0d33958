"""`/v1/evaluation/.../sessions` and `/v1/evaluation/sessions/{id}`: sensemaking sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response, status

from assessment_service.evaluation.dependencies import EvaluationDep, WriterDep
from assessment_service.evaluation.endpoints import WRITE, created, new_router, sorted_by
from assessment_service.evaluation.errors import CrossEvaluationReference, EvaluationNotFound
from assessment_service.evaluation.models import SensemakingSession
from assessment_service.evaluation.service import evaluation_of
from assessment_service.evaluation.sessions import service
from assessment_service.evaluation.sessions.dependencies import SessionRecordDep
from assessment_service.evaluation.sessions.errors import SessionNotFound
from assessment_service.evaluation.sessions.schemas import SessionCreate, SessionPatch, SessionRead
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, mark_version
from shared.pagination import InvalidCursor, Page, Pagination
from shared.problems import problem_responses

router = new_router()

SessionPagination = Annotated[Pagination, sorted_by(held_at=SensemakingSession.held_at)]


@router.post(
    "/evaluations/{evaluation_id}/sessions",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE, EvaluationNotFound, CrossEvaluationReference),
)
async def create_sensemaking_session(
    evaluation: EvaluationDep,
    data: SessionCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> SessionRead:
    """Record a What? / So what? / Now what? session, the log entries it reviewed (they become
    append-only) and the actions agreed."""
    record = await service.create_session(session, evaluation, data=data, writer=writer)
    created(response, f"sessions/{record.id}", record.version)
    return SessionRead.model_validate(record)


@router.get(
    "/evaluations/{evaluation_id}/sessions",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_sensemaking_sessions(
    evaluation: EvaluationDep, session: SessionDep, _: PrincipalDep, pagination: SessionPagination
) -> Page[SessionRead]:
    return await service.list_sessions(session, evaluation, pagination)


@router.get("/sessions/{session_id}", responses=problem_responses(SessionNotFound, 304))
async def get_sensemaking_session(
    record: SessionRecordDep, _: PrincipalDep, request: Request, response: Response
) -> SessionRead:
    conditional_get(request, response, record.version)
    return SessionRead.model_validate(record)


@router.patch(
    "/sessions/{session_id}",
    responses=problem_responses(*WRITE, SessionNotFound, PreconditionFailed),
)
async def update_sensemaking_session(
    record: SessionRecordDep,
    patch: SessionPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> SessionRead:
    """Edit the notes and actions; the entries reviewed are fixed when the session is recorded."""
    check_if_match(request, record.version)
    evaluation = await evaluation_of(session, record)
    record = await service.update_session(session, record, evaluation, patch=patch, writer=writer)
    mark_version(response, record.version)
    return SessionRead.model_validate(record)
