"""Progress markers: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from projects_service.outcome_maps.dependencies import (
    MAP,
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
    RevisionRationaleRequired,
)
from projects_service.outcome_maps.markers import service
from projects_service.outcome_maps.schemas import (
    MarkerCreate,
    MarkerPatch,
    MarkerRead,
    MarkerRetire,
    MarkerRevise,
)
from projects_service.team.dependencies import ProjectWriterDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, mark_created, mark_version
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["outcome maps"])
MARKER = f"{MAP}/markers/{{marker_id}}"


@router.post(
    f"{MAP}/partners/{{partner_id}}/markers",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound),
)
async def add_progress_marker(
    outcome_map: OutcomeMapDep,
    partner: PartnerDep,
    data: MarkerCreate,
    session: SessionDep,
    _: ProjectWriterDep,
    response: Response,
) -> MarkerRead:
    """A graduated progress marker: `expect_to_see`, `like_to_see` or `love_to_see` only."""
    marker = await service.add_marker(session, outcome_map, partner, data=data)
    mark_created(response, f"{map_url(outcome_map)}/markers/{marker.id}", marker.version)
    return MarkerRead.model_validate(marker)


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
    outcome_map: OutcomeMapDep,
    marker: MarkerDep,
    patch: MarkerPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> MarkerRead:
    """Edit a marker drafted in this version; an agreed marker's wording changes by revision."""
    check_if_match(request, marker.version)
    marker = await service.update_marker(session, outcome_map, marker, patch=patch)
    mark_version(response, marker.version)
    return MarkerRead.model_validate(marker)


@router.post(
    f"{MARKER}/revise",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        *WRITE_PROBLEMS, OutcomeMapElementNotFound, MarkerNotActive, RevisionRationaleRequired
    ),
)
async def revise_progress_marker(
    outcome_map: OutcomeMapDep,
    marker: MarkerDep,
    data: MarkerRevise,
    session: SessionDep,
    _: ProjectWriterDep,
    response: Response,
) -> MarkerRead:
    """Replace a marker with a successor; the old one becomes `revised` (never deleted). After
    agreement a `rationale_category` and `rationale_note` are required. Publishes
    `progress_marker.revised`. Answers the successor."""
    successor = await service.revise_marker(session, outcome_map, marker, data=data)
    mark_created(response, f"{map_url(outcome_map)}/markers/{successor.id}", successor.version)
    return MarkerRead.model_validate(successor)


@router.post(
    f"{MARKER}/retire",
    responses=problem_responses(
        *WRITE_PROBLEMS, OutcomeMapElementNotFound, MarkerNotActive, RevisionRationaleRequired
    ),
)
async def retire_progress_marker(
    outcome_map: OutcomeMapDep,
    marker: MarkerDep,
    data: MarkerRetire,
    session: SessionDep,
    _: ProjectWriterDep,
    response: Response,
) -> MarkerRead:
    """Retire a marker (it stays in the version's history). After agreement, give a rationale."""
    marker = await service.retire_marker(session, outcome_map, marker, data=data)
    mark_version(response, marker.version)
    return MarkerRead.model_validate(marker)
