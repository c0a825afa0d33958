"""`/v1/evaluation/.../adaptations` and `/v1/evaluation/adaptations/{id}`: adaptation
decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response, status

from assessment_service.evaluation.adaptations import service
from assessment_service.evaluation.adaptations.dependencies import AdaptationDep
from assessment_service.evaluation.adaptations.errors import (
    AdaptationLocked,
    AdaptationNotFound,
    ObservedEffectRequired,
)
from assessment_service.evaluation.adaptations.schemas import (
    AdaptationCreate,
    AdaptationPatch,
    AdaptationRead,
    AdaptationTransition,
)
from assessment_service.evaluation.dependencies import EvaluationDep, WriterDep
from assessment_service.evaluation.endpoints import WRITE, created, new_router, sorted_by
from assessment_service.evaluation.errors import CrossEvaluationReference, EvaluationNotFound
from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationKind,
    AdaptationStatus,
)
from assessment_service.evaluation.service import evaluation_of
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, mark_version
from shared.pagination import InvalidCursor, Page, Pagination
from shared.problems import problem_responses
from shared.transitions import IllegalTransition

router = new_router()

AdaptationPagination = Annotated[Pagination, sorted_by(decided_at=AdaptationDecision.decided_at)]


@router.post(
    "/evaluations/{evaluation_id}/adaptations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE, EvaluationNotFound, CrossEvaluationReference),
)
async def create_adaptation(
    evaluation: EvaluationDep,
    data: AdaptationCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> AdaptationRead:
    """Log a decision (starts `proposed`)."""
    adaptation = await service.create_adaptation(session, evaluation, data=data, writer=writer)
    created(response, f"adaptations/{adaptation.id}", adaptation.version)
    return service.adaptation_read(adaptation, evaluation, writer.principal)


@router.get(
    "/evaluations/{evaluation_id}/adaptations",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_adaptations(
    evaluation: EvaluationDep,
    session: SessionDep,
    principal: PrincipalDep,
    pagination: AdaptationPagination,
    status_: Annotated[AdaptationStatus | None, Query(alias="status")] = None,
    kind: AdaptationKind | None = None,
) -> Page[AdaptationRead]:
    return await service.list_adaptations(
        session, evaluation, pagination, principal, status=status_, kind=kind
    )


@router.get("/adaptations/{adaptation_id}", responses=problem_responses(AdaptationNotFound, 304))
async def get_adaptation(
    adaptation: AdaptationDep,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> AdaptationRead:
    conditional_get(request, response, adaptation.version)
    return await service.read_adaptation(session, adaptation, principal)


@router.patch(
    "/adaptations/{adaptation_id}",
    responses=problem_responses(
        *WRITE, AdaptationNotFound, AdaptationLocked, CrossEvaluationReference, PreconditionFailed
    ),
)
async def update_adaptation(
    adaptation: AdaptationDep,
    patch: AdaptationPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> AdaptationRead:
    """Everything while proposed; afterwards only `outcome_map_change_ref` (409 otherwise)."""
    check_if_match(request, adaptation.version)
    evaluation = await evaluation_of(session, adaptation)
    adaptation = await service.update_adaptation(
        session, adaptation, evaluation, patch=patch, writer=writer
    )
    mark_version(response, adaptation.version)
    return service.adaptation_read(adaptation, evaluation, writer.principal)


@router.post(
    "/adaptations/{adaptation_id}/transitions",
    responses=problem_responses(
        *WRITE,
        AdaptationNotFound,
        IllegalTransition,
        ObservedEffectRequired,
        PreconditionFailed,
    ),
)
async def transition_adaptation(
    adaptation: AdaptationDep,
    data: AdaptationTransition,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> AdaptationRead:
    """proposed → agreed → implemented → reviewed (the review needs `observed_effect`); answers
    the adaptation as it now is. An implemented `pivot` publishes `adaptation.implemented` for
    the projects service."""
    check_if_match(request, adaptation.version)
    evaluation = await evaluation_of(session, adaptation)
    adaptation = await service.transition_adaptation(
        session, adaptation, evaluation, data=data, writer=writer
    )
    mark_version(response, adaptation.version)
    return service.adaptation_read(adaptation, evaluation, writer.principal)
