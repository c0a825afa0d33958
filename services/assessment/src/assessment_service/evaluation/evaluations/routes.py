"""`/v1/evaluation/evaluations`: the evaluation itself, its details and its lifecycle."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from assessment_service.evaluation.dependencies import EvaluationDep, WriterDep
from assessment_service.evaluation.endpoints import WRITE, created, new_router, sorted_by
from assessment_service.evaluation.errors import EvaluationNotFound
from assessment_service.evaluation.evaluations import service
from assessment_service.evaluation.evaluations.errors import EvaluationExists, UnknownProject
from assessment_service.evaluation.evaluations.schemas import (
    EvaluationCreate,
    EvaluationPatch,
    EvaluationRead,
    EvaluationTransition,
)
from assessment_service.evaluation.models import DevelopmentalEvaluation, EvaluationStatus
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, mark_version
from shared.pagination import InvalidCursor, Page, Pagination
from shared.problems import problem_responses
from shared.transitions import IllegalTransition

router = new_router()

EvaluationPagination = Annotated[
    Pagination, sorted_by(created_at=DevelopmentalEvaluation.created_at)
]


@router.post(
    "/evaluations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE, UnknownProject, EvaluationExists),
)
async def create_evaluation(
    data: EvaluationCreate, session: SessionDep, writer: WriterDep, response: Response
) -> EvaluationRead:
    """Start the developmental evaluation of a project (one per project; the project must exist
    in the projects service: 422 if not, 503 if that service cannot be reached)."""
    evaluation = await service.create_evaluation(session, data=data, writer=writer)
    created(response, f"evaluations/{evaluation.id}", evaluation.version)
    return service.evaluation_read(evaluation, writer.principal)


@router.get("/evaluations", responses=problem_responses(InvalidCursor))
async def list_evaluations(
    session: SessionDep,
    principal: PrincipalDep,
    pagination: EvaluationPagination,
    project_id: uuid.UUID | None = None,
    status_: Annotated[EvaluationStatus | None, Query(alias="status")] = None,
) -> Page[EvaluationRead]:
    """Evaluations; `?project_id=` finds a project's (at most one)."""
    return await service.list_evaluations(
        session, pagination, principal, project_id=project_id, status=status_
    )


@router.get("/evaluations/{evaluation_id}", responses=problem_responses(EvaluationNotFound, 304))
async def get_evaluation(
    evaluation: EvaluationDep, principal: PrincipalDep, request: Request, response: Response
) -> EvaluationRead:
    conditional_get(request, response, evaluation.version)
    return service.evaluation_read(evaluation, principal)


@router.patch(
    "/evaluations/{evaluation_id}",
    responses=problem_responses(*WRITE, EvaluationNotFound, PreconditionFailed),
)
async def update_evaluation(
    evaluation: EvaluationDep,
    patch: EvaluationPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> EvaluationRead:
    """JSON merge patch; honours `If-Match`. Status moves through `POST .../transitions`."""
    check_if_match(request, evaluation.version)
    evaluation = await service.update_evaluation(session, evaluation, patch=patch, writer=writer)
    mark_version(response, evaluation.version)
    return service.evaluation_read(evaluation, writer.principal)


@router.post(
    "/evaluations/{evaluation_id}/transitions",
    responses=problem_responses(*WRITE, EvaluationNotFound, IllegalTransition, PreconditionFailed),
)
async def transition_evaluation(
    evaluation: EvaluationDep,
    data: EvaluationTransition,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> EvaluationRead:
    """planned → active → concluded (`allowed_transitions` lists the moves open now); answers
    the evaluation as it now is. A concluded evaluation is read-only."""
    check_if_match(request, evaluation.version)
    evaluation = await service.transition_evaluation(session, evaluation, data=data, writer=writer)
    mark_version(response, evaluation.version)
    return service.evaluation_read(evaluation, writer.principal)
