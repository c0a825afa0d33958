"""Outcome-map versions: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.outcome_maps.dependencies import (
    MAP,
    MAPS,
    TRANSITION_PROBLEMS,
    WRITE_PROBLEMS,
    OutcomeMapDep,
    map_url,
)
from projects_service.outcome_maps.errors import (
    DraftAlreadyExists,
    OutcomeMapIncomplete,
    OutcomeMapNotFound,
)
from projects_service.outcome_maps.maps import service
from projects_service.outcome_maps.models import MapStatus, OutcomeMap
from projects_service.outcome_maps.schemas import (
    OutcomeMapCreate,
    OutcomeMapDetail,
    OutcomeMapPatch,
    OutcomeMapRead,
    OutcomeMapTransition,
)
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectNotFound
from projects_service.team.dependencies import ProjectWriterDep
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

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["outcome maps"])

MapPagination = Annotated[
    Pagination, Depends(pagination_dependency({"map_version": OutcomeMap.map_version}))
]


@router.post(
    MAPS,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_PROBLEMS, DraftAlreadyExists),
)
async def create_outcome_map(
    project: ProjectDep,
    data: OutcomeMapCreate,
    session: SessionDep,
    actor: ProjectWriterDep,
    response: Response,
) -> OutcomeMapDetail:
    """Start a draft version: version 1 from scratch (with the eight organisational practices),
    or the next version cloned from the agreed one. One draft at a time."""
    outcome_map = await service.create_map(session, project, data=data, actor=actor.subject)
    mark_created(response, map_url(outcome_map), outcome_map.version)
    return await service.detail(session, outcome_map, project, actor)


@router.get(MAPS, responses=problem_responses(ProjectNotFound))
async def list_outcome_maps(
    project: ProjectDep,
    session: SessionDep,
    principal: PrincipalDep,
    pagination: MapPagination,
    status_filter: Annotated[MapStatus | None, Query(alias="status")] = None,
) -> Page[OutcomeMapRead]:
    """The project's outcome-map versions (`?status=agreed` for the current one)."""
    return await service.list_maps(session, project, pagination, principal, status=status_filter)


@router.get(MAP, responses=problem_responses(ProjectNotFound, OutcomeMapNotFound, 304))
async def get_outcome_map(
    project: ProjectDep,
    outcome_map: OutcomeMapDep,
    session: SessionDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> OutcomeMapDetail:
    """One version with its partners (challenge, markers, strategies) and practices."""
    conditional_get(request, response, outcome_map.version)
    return await service.detail(session, outcome_map, project, principal)


@router.patch(
    MAP,
    responses={
        **problem_responses(*WRITE_PROBLEMS, DraftAlreadyExists, PreconditionFailed),
        201: {
            "model": OutcomeMapDetail,
            "description": "The next draft, cloned from the agreed map.",
        },
    },
)
async def update_outcome_map(
    project: ProjectDep,
    outcome_map: OutcomeMapDep,
    patch: OutcomeMapPatch,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> OutcomeMapDetail:
    """Edit a draft's vision and mission. Editing the agreed version creates the next draft
    version, cloned from it, with the edit applied (201 with its `Location`)."""
    check_if_match(request, outcome_map.version)
    edited, created = await service.update_map(
        session, outcome_map, patch=patch, actor=actor.subject
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
        mark_created(response, map_url(edited), edited.version)
    else:
        mark_version(response, edited.version)
    return await service.detail(session, edited, project, actor)


@router.post(
    f"{MAP}/transitions",
    responses=problem_responses(*TRANSITION_PROBLEMS, OutcomeMapIncomplete, PreconditionFailed),
)
async def transition_outcome_map(
    project: ProjectDep,
    outcome_map: OutcomeMapDep,
    move: OutcomeMapTransition,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> OutcomeMapDetail:
    """Move the version to the state named in `to` (see its `allowed_transitions`). `agreed`,
    from a draft: it becomes the one agreed version (the previous one becomes `superseded`),
    open revision prompts are addressed, and `outcome_map.agreed` is published; it needs a
    vision, a mission, and for each partner an outcome challenge and at least one active marker
    (422 `outcome-map-incomplete` with pointers otherwise). Any other move is a 409
    `illegal-transition`. A `reason` is kept in the audit trail. Answers the version as it now
    is."""
    check_if_match(request, outcome_map.version)
    moved = await service.transition_map(session, outcome_map, move=move, actor=actor.subject)
    mark_version(response, moved.version)
    return await service.detail(session, moved, project, actor)
