"""Milestones: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.milestones import service
from projects_service.milestones.dependencies import MilestoneDep
from projects_service.milestones.errors import (
    AdoptionEvidenceRequired,
    AdoptionMilestoneAlreadyTracked,
    AdoptionMilestoneNotApplicable,
    IllegalMilestoneTransition,
    MilestoneNotFound,
    UnknownAdoptionMilestone,
)
from projects_service.milestones.models import (
    AdoptionMilestoneType,
    Gate,
    Milestone,
    MilestoneStatus,
)
from projects_service.milestones.schemas import (
    AdoptionMilestoneTypeRead,
    AdoptionTracker,
    MilestoneCreate,
    MilestonePatch,
    MilestoneRead,
)
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
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
from shared.types import QueryBool

# The catalogue is a fixed name under the collection, so it is served before `/{project_id}`.
catalogue_router = APIRouter(prefix="/v1/projects", tags=["milestones"])
router = APIRouter(prefix="/v1/projects/{project_id}", tags=["milestones"])

MilestonePagination = Annotated[
    Pagination,
    Depends(pagination_dependency({"created_at": Milestone.created_at, "title": Milestone.title})),
]
# The catalogue keeps its curated order (`position`) across pages.
CataloguePagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"position": AdoptionMilestoneType.position},
            default_sort="position",
            incremental=False,
        )
    ),
]


@catalogue_router.get("/adoption-milestones", responses=problem_responses())
async def list_adoption_milestone_types(
    session: SessionDep, _: PrincipalDep, pagination: CataloguePagination
) -> Page[AdoptionMilestoneTypeRead]:
    """The NHS adoption milestone catalogue (DTAC, DCB0129/0160, DPIA, NICE ESF, UKCA/CE, ...),
    in its curated order. A small catalogue seeded by migration, paged like any list: at the
    default limit it is one page (`next_cursor: null`). It changes only with a release, so it
    takes no `updated_since`."""
    return await service.list_catalogue(session, pagination)


@router.post(
    "/milestones",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        ProjectNotFound,
        NotATeamMember,
        ProjectArchived,
        UnknownAdoptionMilestone,
        AdoptionMilestoneNotApplicable,
        AdoptionMilestoneAlreadyTracked,
        AdoptionEvidenceRequired,
    ),
)
async def create_milestone(
    project: ProjectDep,
    data: MilestoneCreate,
    session: SessionDep,
    _: ProjectWriterDep,
    response: Response,
) -> MilestoneRead:
    """A milestone with status and optional gate; with `adoption_code` it tracks a catalogue
    milestone (once per project; `done` needs evidence)."""
    milestone = await service.create_milestone(session, project, data=data)
    mark_created(
        response, f"/v1/projects/{project.id}/milestones/{milestone.id}", milestone.version
    )
    return MilestoneRead.model_validate(milestone)


@router.get("/milestones", responses=problem_responses(ProjectNotFound))
async def list_milestones(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: MilestonePagination,
    status_filter: Annotated[MilestoneStatus | None, Query(alias="status")] = None,
    gate: Gate | None = None,
    adoption: Annotated[
        QueryBool | None, Query(description="Only catalogue milestones (or only others).")
    ] = None,
) -> Page[MilestoneRead]:
    return await service.list_milestones(
        session, project, pagination, status=status_filter, gate=gate, adoption=adoption
    )


@router.get(
    "/milestones/{milestone_id}",
    responses=problem_responses(ProjectNotFound, MilestoneNotFound, 304),
)
async def get_milestone(
    milestone: MilestoneDep, _: PrincipalDep, request: Request, response: Response
) -> MilestoneRead:
    conditional_get(request, response, milestone.version)
    return MilestoneRead.model_validate(milestone)


@router.patch(
    "/milestones/{milestone_id}",
    responses=problem_responses(
        ProjectNotFound,
        MilestoneNotFound,
        NotATeamMember,
        ProjectArchived,
        IllegalMilestoneTransition,
        AdoptionEvidenceRequired,
        PreconditionFailed,
    ),
)
async def update_milestone(
    milestone: MilestoneDep,
    patch: MilestonePatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> MilestoneRead:
    check_if_match(request, milestone.version)
    milestone = await service.update_milestone(session, milestone, patch=patch)
    mark_version(response, milestone.version)
    return MilestoneRead.model_validate(milestone)


@router.get("/adoption-tracker", responses=problem_responses(ProjectNotFound))
async def get_adoption_tracker(
    project: ProjectDep, session: SessionDep, _: PrincipalDep
) -> AdoptionTracker:
    """Each catalogue milestone that applies to this project, with its milestone if tracked."""
    return await service.adoption_tracker(session, project)
