"""Benefits: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.benefits import service
from projects_service.benefits.dependencies import BenefitDep
from projects_service.benefits.errors import (
    BenefitNotFound,
    UnknownProgressMarker,
    ValidatorRequired,
)
from projects_service.benefits.models import (
    Benefit,
    BenefitKind,
    BenefitStatus,
    BenefitValue,
    Confidence,
)
from projects_service.benefits.schemas import (
    BenefitCreate,
    BenefitPatch,
    BenefitRead,
    BenefitsSummary,
    BenefitValueCreate,
    BenefitValueRead,
)
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.projects.models import Pillar, Stage
from projects_service.sql import today
from projects_service.team.dependencies import ProjectWriterDep
from projects_service.team.errors import NotATeamMember
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import (
    PreconditionFailed,
    check_if_match,
    conditional_get,
    mark_created,
    mark_version,
)
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.staff_names import without_staff_names
from shared.types import Date

portfolio_router = APIRouter(prefix="/v1/projects", tags=["benefits"])
router = APIRouter(prefix="/v1/projects/{project_id}/benefits", tags=["benefits"])

BenefitPagination = Annotated[
    Pagination,
    Depends(pagination_dependency({"created_at": Benefit.created_at, "title": Benefit.title})),
]
ValuePagination = Annotated[
    Pagination, Depends(pagination_dependency({"as_at": BenefitValue.as_at}))
]
WRITE_PROBLEMS = (ProjectNotFound, NotATeamMember, ProjectArchived)


@portfolio_router.get("/benefits-summary", responses=problem_responses())
async def get_benefits_summary(
    session: SessionDep,
    _: PrincipalDep,
    as_of: Annotated[
        Date | None, Query(description="Values as they stood on this date (default today).")
    ] = None,
    kind: BenefitKind | None = None,
    confidence: Confidence | None = None,
    directorate: Annotated[str | None, Query(max_length=120)] = None,
    stage: Stage | None = None,
    pillar: Pillar | None = None,
) -> BenefitsSummary:
    """Portfolio benefit totals by kind, unit, confidence and value type (estimated, validated,
    actual), each benefit counted once with its latest figure of each type."""
    return await service.portfolio_summary(
        session,
        as_of=as_of or today(),
        filters={
            "kind": kind,
            "confidence": confidence,
            "directorate": directorate,
            "stage": stage,
            "pillar": pillar,
        },
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_PROBLEMS, UnknownProgressMarker),
)
async def create_benefit(
    project: ProjectDep,
    data: BenefitCreate,
    session: SessionDep,
    _: ProjectWriterDep,
    response: Response,
) -> BenefitRead:
    """An expected benefit (cash release, staff time, bed days, patient outcome, carbon,
    experience) with its unit, confidence and the progress markers or evidence it rests on."""
    benefit = await service.create_benefit(session, project, data=data)
    mark_created(response, f"/v1/projects/{project.id}/benefits/{benefit.id}", benefit.version)
    return BenefitRead.model_validate(benefit)


@router.get("", responses=problem_responses(ProjectNotFound))
async def list_benefits(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: BenefitPagination,
    kind: BenefitKind | None = None,
    status_filter: Annotated[BenefitStatus | None, Query(alias="status")] = None,
) -> Page[BenefitRead]:
    return await service.list_benefits(
        session, project, pagination, kind=kind, status=status_filter
    )


@router.get("/{benefit_id}", responses=problem_responses(ProjectNotFound, BenefitNotFound, 304))
async def get_benefit(
    benefit: BenefitDep, _: PrincipalDep, request: Request, response: Response
) -> BenefitRead:
    conditional_get(request, response, benefit.version)
    return BenefitRead.model_validate(benefit)


@router.patch(
    "/{benefit_id}",
    responses=problem_responses(
        *WRITE_PROBLEMS, BenefitNotFound, UnknownProgressMarker, PreconditionFailed
    ),
)
async def update_benefit(
    project: ProjectDep,
    benefit: BenefitDep,
    patch: BenefitPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> BenefitRead:
    """Merge patch; retire a benefit with `status: retired` (its history stays)."""
    check_if_match(request, benefit.version)
    benefit = await service.update_benefit(session, project, benefit, patch=patch)
    mark_version(response, benefit.version)
    return BenefitRead.model_validate(benefit)


@router.post(
    "/{benefit_id}/values",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_PROBLEMS, BenefitNotFound, ValidatorRequired),
)
async def add_benefit_value(
    benefit: BenefitDep,
    data: BenefitValueCreate,
    session: SessionDep,
    actor: ProjectWriterDep,
    response: Response,
) -> BenefitValueRead:
    """A dated estimated, validated or actual figure (append-only: the register keeps them all)."""
    value = await service.add_value(session, benefit, data=data, actor=actor.subject)
    mark_created(
        response,
        f"/v1/projects/{benefit.project_id}/benefits/{benefit.id}/values/{value.id}",
        value.version,
    )
    return BenefitValueRead.model_validate(value)


@router.get("/{benefit_id}/values", responses=problem_responses(ProjectNotFound, BenefitNotFound))
async def list_benefit_values(
    benefit: BenefitDep, session: SessionDep, principal: PrincipalDep, pagination: ValuePagination
) -> Page[BenefitValueRead]:
    page = await service.list_values(session, benefit, pagination)
    # Who validated a figure is a staff name: hidden from a reporter (`shared.staff_names`).
    return without_staff_names(principal, page, ("validated_by",))
