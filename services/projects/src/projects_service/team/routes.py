"""Team: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.team import service
from projects_service.team.dependencies import MembershipDep, ProjectWriterDep
from projects_service.team.errors import DuplicateMembership, MembershipNotFound, NotATeamMember
from projects_service.team.models import TeamMembership, TeamRole
from projects_service.team.schemas import MembershipCreate, MembershipPatch, MembershipRead
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
from shared.types import QueryBool

router = APIRouter(prefix="/v1/projects/{project_id}/team", tags=["team"])

TeamPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"subject": TeamMembership.subject, "created_at": TeamMembership.created_at}
        )
    ),
]

# A team member's name is personal data for a reporter (`shared.staff_names`).
STAFF_NAMES = ("display_name",)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        ProjectNotFound, NotATeamMember, ProjectArchived, DuplicateMembership
    ),
)
async def add_team_member(
    project: ProjectDep,
    data: MembershipCreate,
    session: SessionDep,
    _: ProjectWriterDep,
    response: Response,
) -> MembershipRead:
    """Add a person to the project team with a role (one membership per role and period)."""
    membership = await service.add_member(session, project, data=data)
    mark_created(response, f"/v1/projects/{project.id}/team/{membership.id}", membership.version)
    return MembershipRead.model_validate(membership)


@router.get("", responses=problem_responses(ProjectNotFound))
async def list_team_members(
    project: ProjectDep,
    session: SessionDep,
    principal: PrincipalDep,
    pagination: TeamPagination,
    subject: Annotated[
        str | None, Query(max_length=200, description="Only this token subject.")
    ] = None,
    active: Annotated[
        QueryBool | None, Query(description="Only memberships active (or not) today.")
    ] = None,
    role: TeamRole | None = None,
) -> Page[MembershipRead]:
    """The team. Other services call `?subject=<sub>&active=true` to check a contributor is an
    active member: one indexed query, a stable response shape."""
    page = await service.list_members(
        session, project, pagination, subject=subject, active=active, role=role
    )
    return without_staff_names(principal, page, STAFF_NAMES)


@router.get(
    "/{membership_id}", responses=problem_responses(ProjectNotFound, MembershipNotFound, 304)
)
async def get_team_member(
    membership: MembershipDep, principal: PrincipalDep, request: Request, response: Response
) -> MembershipRead:
    conditional_get(request, response, membership.version)
    return without_staff_names(principal, MembershipRead.model_validate(membership), STAFF_NAMES)


@router.patch(
    "/{membership_id}",
    responses=problem_responses(
        ProjectNotFound,
        MembershipNotFound,
        NotATeamMember,
        ProjectArchived,
        DuplicateMembership,
        PreconditionFailed,
    ),
)
async def update_team_member(
    membership: MembershipDep,
    patch: MembershipPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> MembershipRead:
    """Merge patch; end a membership with `end_date` (memberships are history, never deleted)."""
    check_if_match(request, membership.version)
    membership = await service.update_member(session, membership, patch=patch)
    mark_version(response, membership.version)
    return MembershipRead.model_validate(membership)
