"""`/v1/evaluation/.../briefs` and `/v1/evaluation/briefs/{id}`: learning briefs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response, status

from assessment_service.evaluation.briefs import service
from assessment_service.evaluation.briefs.dependencies import BriefDep
from assessment_service.evaluation.briefs.errors import BriefNotFound
from assessment_service.evaluation.briefs.schemas import BriefCreate, BriefPatch, BriefRead
from assessment_service.evaluation.dependencies import EvaluationDep, WriterDep
from assessment_service.evaluation.endpoints import WRITE, created, new_router, sorted_by
from assessment_service.evaluation.errors import EvaluationNotFound
from assessment_service.evaluation.models import LearningBrief
from assessment_service.evaluation.service import evaluation_of
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, mark_version
from shared.pagination import InvalidCursor, Page, Pagination
from shared.problems import problem_responses

router = new_router()

BriefPagination = Annotated[Pagination, sorted_by(period_start=LearningBrief.period_start)]


@router.post(
    "/evaluations/{evaluation_id}/briefs",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE, EvaluationNotFound),
)
async def create_learning_brief(
    evaluation: EvaluationDep,
    data: BriefCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> BriefRead:
    brief = await service.create_brief(session, evaluation, data=data, writer=writer)
    created(response, f"briefs/{brief.id}", brief.version)
    return BriefRead.model_validate(brief)


@router.get(
    "/evaluations/{evaluation_id}/briefs",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_learning_briefs(
    evaluation: EvaluationDep, session: SessionDep, _: PrincipalDep, pagination: BriefPagination
) -> Page[BriefRead]:
    return await service.list_briefs(session, evaluation, pagination)


@router.get("/briefs/{brief_id}", responses=problem_responses(BriefNotFound, 304))
async def get_learning_brief(
    brief: BriefDep, _: PrincipalDep, request: Request, response: Response
) -> BriefRead:
    conditional_get(request, response, brief.version)
    return BriefRead.model_validate(brief)


@router.patch(
    "/briefs/{brief_id}",
    responses=problem_responses(*WRITE, BriefNotFound, PreconditionFailed),
)
async def update_learning_brief(
    brief: BriefDep,
    patch: BriefPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> BriefRead:
    check_if_match(request, brief.version)
    evaluation = await evaluation_of(session, brief)
    brief = await service.update_brief(session, brief, evaluation, patch=patch, writer=writer)
    mark_version(response, brief.version)
    return BriefRead.model_validate(brief)
