"""Organisational practices: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from projects_service.outcome_maps.dependencies import (
    MAP,
    WRITE_PROBLEMS,
    OutcomeMapDep,
    PracticeDep,
)
from projects_service.outcome_maps.practices import service
from projects_service.outcome_maps.schemas import PracticePatch, PracticeRead
from projects_service.team.dependencies import ProjectWriterDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, mark_version
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["outcome maps"])


@router.patch(
    f"{MAP}/practices/{{practice}}",
    responses=problem_responses(*WRITE_PROBLEMS, PreconditionFailed),
)
async def update_organisational_practice(
    outcome_map: OutcomeMapDep,
    practice: PracticeDep,
    patch: PracticePatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> PracticeRead:
    """Key actions for one of the eight practices, and whether it is in use."""
    check_if_match(request, practice.version)
    practice = await service.update_practice(session, outcome_map, practice, patch=patch)
    mark_version(response, practice.version)
    return PracticeRead.model_validate(practice)
