"""`/v1/evaluation/.../theory-of-change` and `/v1/evaluation/theory-of-change/{id}`: versions of
the theory of change."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response, status

from assessment_service.evaluation.dependencies import EvaluationDep, WriterDep
from assessment_service.evaluation.endpoints import WRITE, created, new_router, sorted_by
from assessment_service.evaluation.errors import CrossEvaluationReference, EvaluationNotFound
from assessment_service.evaluation.models import TheoryOfChangeVersion
from assessment_service.evaluation.service import evaluation_of
from assessment_service.evaluation.theory_of_change import service
from assessment_service.evaluation.theory_of_change.dependencies import TheoryOfChangeDep
from assessment_service.evaluation.theory_of_change.errors import (
    TheoryOfChangeNotFound,
    TheoryOfChangeSuperseded,
)
from assessment_service.evaluation.theory_of_change.schemas import (
    TheoryOfChangeCreate,
    TheoryOfChangePatch,
    TheoryOfChangeRead,
)
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, mark_version
from shared.pagination import InvalidCursor, Page, Pagination
from shared.problems import problem_responses

router = new_router()

TheoryOfChangePagination = Annotated[Pagination, sorted_by(number=TheoryOfChangeVersion.number)]


@router.post(
    "/evaluations/{evaluation_id}/theory-of-change",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE, EvaluationNotFound, CrossEvaluationReference),
)
async def create_theory_of_change_version(
    evaluation: EvaluationDep,
    data: TheoryOfChangeCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> TheoryOfChangeRead:
    """A new version (numbered 1, 2, ...); it supersedes the previous one, which becomes
    read-only."""
    version = await service.create_version(session, evaluation, data=data, writer=writer)
    created(response, f"theory-of-change/{version.id}", version.version)
    return TheoryOfChangeRead.model_validate(version)


@router.get(
    "/evaluations/{evaluation_id}/theory-of-change",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_theory_of_change_versions(
    evaluation: EvaluationDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: TheoryOfChangePagination,
) -> Page[TheoryOfChangeRead]:
    return await service.list_versions(session, evaluation, pagination)


@router.get(
    "/theory-of-change/{version_id}", responses=problem_responses(TheoryOfChangeNotFound, 304)
)
async def get_theory_of_change_version(
    version: TheoryOfChangeDep, _: PrincipalDep, request: Request, response: Response
) -> TheoryOfChangeRead:
    conditional_get(request, response, version.version)
    return TheoryOfChangeRead.model_validate(version)


@router.patch(
    "/theory-of-change/{version_id}",
    responses=problem_responses(
        *WRITE,
        TheoryOfChangeNotFound,
        TheoryOfChangeSuperseded,
        CrossEvaluationReference,
        PreconditionFailed,
    ),
)
async def update_theory_of_change_version(
    version: TheoryOfChangeDep,
    patch: TheoryOfChangePatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> TheoryOfChangeRead:
    """Only the latest version (e.g. an assumption moving holding → challenged)."""
    check_if_match(request, version.version)
    evaluation = await evaluation_of(session, version)
    version = await service.update_version(session, version, evaluation, patch=patch, writer=writer)
    mark_version(response, version.version)
    return TheoryOfChangeRead.model_validate(version)
