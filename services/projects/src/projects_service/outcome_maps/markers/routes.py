"""Progress markers: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from projects_service.outcome_maps.dependencies import (
    MAP,
    TRANSITION_PROBLEMS,
    WRITE_PROBLEMS,
    MarkerDep,
    OutcomeMapDep,
    PartnerDep,
    map_url,
)
from projects_service.outcome_maps.errors import (
    AgreedMarkerNeedsRevision,
    MarkerNotActive,
    OutcomeMapElementNotFound,
    OutcomeMapReadOnly,
    RevisionRationaleRequired,
    UnknownRevisedMarker,
)
from projects_service.outcome_maps.markers import service
from projects_service.outcome_maps.schemas import (
    MarkerCreate,
    MarkerPatch,
    MarkerRead,
    MarkerTransition,
)
from projects_service.projects.dependencies import ProjectDep
from projects_service.team.dependencies import ProjectWriterDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, mark_created, mark_version
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["outcome maps"])
MARKER = f"{MAP}/markers/{{marker_id}}"


@router.post(
    f"{MAP}/partners/{{partner_id}}/markers",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        *WRITE_PROBLEMS,
        OutcomeMapElementNotFound,
        UnknownRevisedMarker,
        MarkerNotActive,
        RevisionRationaleRequired,
    ),
)
async def add_progress_marker(
    project: ProjectDep,
    outcome_map: OutcomeMapDep,
    partner: PartnerDep,
    data: MarkerCreate,
    session: SessionDep,
    actor: ProjectWriterDep,
    response: Response,
) -> MarkerRead:
    """A graduated progress marker: `expect_to_see`, `like_to_see` or `love_to_see` only.
    With `revises_id`, a revision: the new marker replaces that active marker of the partner,
    which becomes `revised` (never deleted; its position and weight carry over unless given).
    Revising a marker that was agreed needs a `rationale_category` and `rationale_note` (422
    `revision-rationale-required`). Publishes `progress_marker.revised`. A revision is a new
    marker, not a move of the old one, so it is created here rather than by a transition."""
    marker = await service.add_marker(session, outcome_map, partner, data=data)
    mark_created(response, f"{map_url(outcome_map)}/markers/{marker.id}", marker.version)
    return service.present(marker, outcome_map, project, actor)


@router.patch(
    MARKER,
    responses=problem_responses(
        *WRITE_PROBLEMS,
        OutcomeMapElementNotFound,
        AgreedMarkerNeedsRevision,
        MarkerNotActive,
        PreconditionFailed,
    ),
)
async def update_progress_marker(
    project: ProjectDep,
    outcome_map: OutcomeMapDep,
    marker: MarkerDep,
    patch: MarkerPatch,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> MarkerRead:
    """Edit a marker drafted in this version; an agreed marker's wording changes by revision."""
    check_if_match(request, marker.version)
    marker = await service.update_marker(session, outcome_map, marker, patch=patch)
    mark_version(response, marker.version)
    return service.present(marker, outcome_map, project, actor)


@router.post(
    f"{MARKER}/transitions",
    responses=problem_responses(
        *TRANSITION_PROBLEMS,
        OutcomeMapReadOnly,
        OutcomeMapElementNotFound,
        RevisionRationaleRequired,
        PreconditionFailed,
    ),
)
async def transition_progress_marker(
    project: ProjectDep,
    outcome_map: OutcomeMapDep,
    marker: MarkerDep,
    move: MarkerTransition,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> MarkerRead:
    """Move the marker to the state named in `to` (see its `allowed_transitions`). `retired`,
    from active: it stays in the version's history; a marker that was agreed needs a
    `rationale_category` and `rationale_note` (422 `revision-rationale-required`). Only a draft's
    markers move (409 `outcome-map-read-only`); any other move is a 409 `illegal-transition`
    (`revised` comes from creating a successor with `revises_id`). A `reason` is kept in the
    audit trail. Answers the marker as it now is."""
    check_if_match(request, marker.version)
    marker = await service.transition_marker(session, outcome_map, marker, move=move)
    mark_version(response, marker.version)
    return service.present(marker, outcome_map, project, actor)
