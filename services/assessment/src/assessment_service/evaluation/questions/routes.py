"""`/v1/evaluation/.../questions` and `/v1/evaluation/questions/{id}`: learning questions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response, status

from assessment_service.evaluation.dependencies import EvaluationDep, WriterDep
from assessment_service.evaluation.endpoints import WRITE, created, new_router, sorted_by
from assessment_service.evaluation.errors import CrossEvaluationReference, EvaluationNotFound
from assessment_service.evaluation.models import LearningQuestion, QuestionStatus
from assessment_service.evaluation.questions import service
from assessment_service.evaluation.questions.dependencies import QuestionDep
from assessment_service.evaluation.questions.errors import (
    QuestionClosed,
    QuestionMoveFields,
    QuestionNotFound,
)
from assessment_service.evaluation.questions.schemas import (
    QuestionCreate,
    QuestionPatch,
    QuestionRead,
    QuestionTransition,
)
from assessment_service.evaluation.service import evaluation_of
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, mark_version
from shared.pagination import InvalidCursor, Page, Pagination
from shared.problems import problem_responses
from shared.transitions import IllegalTransition

router = new_router()

QuestionPagination = Annotated[
    Pagination,
    sorted_by(raised_at=LearningQuestion.raised_at, created_at=LearningQuestion.created_at),
]


@router.post(
    "/evaluations/{evaluation_id}/questions",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE, EvaluationNotFound),
)
async def create_learning_question(
    evaluation: EvaluationDep,
    data: QuestionCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> QuestionRead:
    question = await service.create_question(session, evaluation, data=data, writer=writer)
    created(response, f"questions/{question.id}", question.version)
    return service.question_read(question, evaluation, writer.principal)


@router.get(
    "/evaluations/{evaluation_id}/questions",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_learning_questions(
    evaluation: EvaluationDep,
    session: SessionDep,
    principal: PrincipalDep,
    pagination: QuestionPagination,
    status_: Annotated[QuestionStatus | None, Query(alias="status")] = None,
    reframed_from_id: uuid.UUID | None = None,
) -> Page[QuestionRead]:
    return await service.list_questions(
        session,
        evaluation,
        pagination,
        principal,
        status=status_,
        reframed_from_id=reframed_from_id,
    )


@router.get("/questions/{question_id}", responses=problem_responses(QuestionNotFound, 304))
async def get_learning_question(
    question: QuestionDep,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> QuestionRead:
    conditional_get(request, response, question.version)
    return await service.read_question(session, question, principal)


@router.patch(
    "/questions/{question_id}",
    responses=problem_responses(*WRITE, QuestionNotFound, QuestionClosed, PreconditionFailed),
)
async def update_learning_question(
    question: QuestionDep,
    patch: QuestionPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> QuestionRead:
    """Edit the wording of an open question (a changed question is a reframe, not an edit)."""
    check_if_match(request, question.version)
    evaluation = await evaluation_of(session, question)
    question = await service.update_question(
        session, question, evaluation, patch=patch, writer=writer
    )
    mark_version(response, question.version)
    return service.question_read(question, evaluation, writer.principal)


@router.post(
    "/questions/{question_id}/transitions",
    responses=problem_responses(
        *WRITE,
        QuestionNotFound,
        IllegalTransition,
        QuestionMoveFields,
        CrossEvaluationReference,
        PreconditionFailed,
    ),
)
async def transition_learning_question(
    question: QuestionDep,
    data: QuestionTransition,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> QuestionRead:
    """open → answered (`finding_ids`, findings of the same evaluation), reframed (`text`: the
    new open question, named in `reframed_into_id`) or retired. Answers the question as it now
    is."""
    check_if_match(request, question.version)
    evaluation = await evaluation_of(session, question)
    question = await service.transition_question(
        session, question, evaluation, data=data, writer=writer
    )
    mark_version(response, question.version)
    return service.question_read(question, evaluation, writer.principal)
