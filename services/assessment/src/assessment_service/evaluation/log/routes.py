"""`/v1/evaluation/.../log` and `/v1/evaluation/log-entries/{id}`: the learning log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Request, Response, status

from assessment_service.evaluation.dependencies import EvaluationDep, WriterDep
from assessment_service.evaluation.endpoints import WRITE, created, new_router, sorted_by
from assessment_service.evaluation.errors import EvaluationNotFound
from assessment_service.evaluation.log import service
from assessment_service.evaluation.log.dependencies import LogEntryDep
from assessment_service.evaluation.log.errors import LogEntryNotFound, LogEntryReviewed
from assessment_service.evaluation.log.schemas import LogEntryCreate, LogEntryPatch, LogEntryRead
from assessment_service.evaluation.models import LearningLogEntry, LogSource
from assessment_service.evaluation.service import evaluation_of
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, mark_version
from shared.pagination import InvalidCursor, Page, Pagination
from shared.problems import problem_responses
from shared.types import QueryBool

router = new_router()

LogPagination = Annotated[
    Pagination,
    sorted_by(observed_at=LearningLogEntry.observed_at, created_at=LearningLogEntry.created_at),
]


@router.post(
    "/evaluations/{evaluation_id}/log",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE, EvaluationNotFound),
)
async def create_log_entry(
    evaluation: EvaluationDep,
    data: LogEntryCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> LogEntryRead:
    """Record an observation or piece of data. Editable until a sensemaking session reviews it;
    then append-only (amend by `POST /log-entries/{id}/corrections`)."""
    entry = await service.create_log_entry(session, evaluation, data=data, writer=writer)
    created(response, f"log-entries/{entry.id}", entry.version)
    return service.log_entry_read(entry, writer.principal)


@router.get(
    "/evaluations/{evaluation_id}/log",
    response_model_exclude_unset=True,
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_log_entries(
    evaluation: EvaluationDep,
    session: SessionDep,
    principal: PrincipalDep,
    pagination: LogPagination,
    source: LogSource | None = None,
    contains_personal_data: QueryBool | None = None,
    corrects_id: uuid.UUID | None = None,
) -> Page[LogEntryRead]:
    """The learning log. For `reporter`, `summary` and `tags` of flagged entries are omitted."""
    return await service.list_log_entries(
        session,
        evaluation,
        pagination,
        principal,
        source=source,
        contains_personal_data=contains_personal_data,
        corrects_id=corrects_id,
    )


@router.get(
    "/log-entries/{entry_id}",
    response_model_exclude_unset=True,
    responses=problem_responses(LogEntryNotFound, 304),
)
async def get_log_entry(
    entry: LogEntryDep, principal: PrincipalDep, request: Request, response: Response
) -> LogEntryRead:
    conditional_get(request, response, entry.version)
    return service.log_entry_read(entry, principal)


@router.patch(
    "/log-entries/{entry_id}",
    response_model_exclude_unset=True,
    responses=problem_responses(*WRITE, LogEntryNotFound, LogEntryReviewed, PreconditionFailed),
)
async def update_log_entry(
    entry: LogEntryDep,
    patch: LogEntryPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> LogEntryRead:
    """Only before review (409 `log-entry-append-only` afterwards)."""
    check_if_match(request, entry.version)
    evaluation = await evaluation_of(session, entry)
    entry = await service.update_log_entry(session, entry, evaluation, patch=patch, writer=writer)
    mark_version(response, entry.version)
    return service.log_entry_read(entry, writer.principal)


@router.post(
    "/log-entries/{entry_id}/corrections",
    status_code=status.HTTP_201_CREATED,
    response_model_exclude_unset=True,
    responses=problem_responses(*WRITE, LogEntryNotFound),
)
async def correct_log_entry(
    entry: LogEntryDep,
    data: LogEntryCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> LogEntryRead:
    """Amend an entry by a new one that links to it (`corrects_id`); the original stays as it
    was and lists the correction in `corrected_by_ids`."""
    evaluation = await evaluation_of(session, entry)
    correction = await service.create_log_entry(
        session, evaluation, data=data, writer=writer, corrects=entry
    )
    created(response, f"log-entries/{correction.id}", correction.version)
    return service.log_entry_read(correction, writer.principal)
