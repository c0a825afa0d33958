"""`/v1/evaluation/.../findings` and `/v1/evaluation/findings/{id}`: findings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response, status

from assessment_service.evaluation.dependencies import EvaluationDep, WriterDep
from assessment_service.evaluation.endpoints import WRITE, created, new_router, sorted_by
from assessment_service.evaluation.errors import CrossEvaluationReference, EvaluationNotFound
from assessment_service.evaluation.findings import service
from assessment_service.evaluation.findings.dependencies import FindingDep
from assessment_service.evaluation.findings.errors import (
    FindingClosed,
    FindingNeedsEvidence,
    FindingNotFound,
)
from assessment_service.evaluation.findings.schemas import (
    FindingCreate,
    FindingPatch,
    FindingRead,
    FindingTransition,
)
from assessment_service.evaluation.models import Confidence, Finding, FindingStatus
from assessment_service.evaluation.service import evaluation_of
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, mark_version
from shared.pagination import InvalidCursor, Page, Pagination
from shared.problems import problem_responses
from shared.transitions import IllegalTransition

router = new_router()

FindingPagination = Annotated[Pagination, sorted_by(first_seen_at=Finding.first_seen_at)]


@router.post(
    "/evaluations/{evaluation_id}/findings",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE, EvaluationNotFound, CrossEvaluationReference),
)
async def create_finding(
    evaluation: EvaluationDep,
    data: FindingCreate,
    session: SessionDep,
    writer: WriterDep,
    response: Response,
) -> FindingRead:
    finding = await service.create_finding(session, evaluation, data=data, writer=writer)
    created(response, f"findings/{finding.id}", finding.version)
    return service.finding_read(finding, writer.principal)


@router.get(
    "/evaluations/{evaluation_id}/findings",
    responses=problem_responses(EvaluationNotFound, InvalidCursor),
)
async def list_findings(
    evaluation: EvaluationDep,
    session: SessionDep,
    principal: PrincipalDep,
    pagination: FindingPagination,
    status_: Annotated[FindingStatus | None, Query(alias="status")] = None,
    confidence: Confidence | None = None,
) -> Page[FindingRead]:
    return await service.list_findings(
        session, evaluation, pagination, principal, status=status_, confidence=confidence
    )


@router.get("/findings/{finding_id}", responses=problem_responses(FindingNotFound, 304))
async def get_finding(
    finding: FindingDep, principal: PrincipalDep, request: Request, response: Response
) -> FindingRead:
    """A finding by id alone: what impact assessments cite as evidence."""
    conditional_get(request, response, finding.version)
    return service.finding_read(finding, principal)


@router.patch(
    "/findings/{finding_id}",
    responses=problem_responses(
        *WRITE,
        FindingNotFound,
        FindingClosed,
        FindingNeedsEvidence,
        CrossEvaluationReference,
        PreconditionFailed,
    ),
)
async def update_finding(
    finding: FindingDep,
    patch: FindingPatch,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> FindingRead:
    """JSON merge patch while emerging or tested; `evidence_log_ids` replaces the evidence."""
    check_if_match(request, finding.version)
    evaluation = await evaluation_of(session, finding)
    finding = await service.update_finding(session, finding, evaluation, patch=patch, writer=writer)
    mark_version(response, finding.version)
    return service.finding_read(finding, writer.principal)


@router.post(
    "/findings/{finding_id}/transitions",
    responses=problem_responses(
        *WRITE, FindingNotFound, IllegalTransition, FindingNeedsEvidence, PreconditionFailed
    ),
)
async def transition_finding(
    finding: FindingDep,
    data: FindingTransition,
    session: SessionDep,
    writer: WriterDep,
    request: Request,
    response: Response,
) -> FindingRead:
    """emerging → tested → confirmed | refuted (emerging → refuted too); tested and confirmed
    need evidence. Answers the finding as it now is."""
    check_if_match(request, finding.version)
    evaluation = await evaluation_of(session, finding)
    finding = await service.transition_finding(
        session, finding, evaluation, data=data, writer=writer
    )
    mark_version(response, finding.version)
    return service.finding_read(finding, writer.principal)
