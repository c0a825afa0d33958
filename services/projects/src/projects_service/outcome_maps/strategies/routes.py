"""Strategy map: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from projects_service.outcome_maps.dependencies import (
    MAP,
    WRITE_PROBLEMS,
    OutcomeMapDep,
    PartnerDep,
    StrategyDep,
    map_url,
)
from projects_service.outcome_maps.errors import OutcomeMapElementNotFound
from projects_service.outcome_maps.schemas import StrategyCreate, StrategyPatch, StrategyRead
from projects_service.outcome_maps.strategies import service
from projects_service.team.dependencies import ProjectWriterDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, mark_created, mark_version
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["outcome maps"])
STRATEGY = f"{MAP}/strategies/{{strategy_id}}"


@router.post(
    f"{MAP}/partners/{{partner_id}}/strategies",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound),
)
async def add_strategy(
    outcome_map: OutcomeMapDep,
    partner: PartnerDep,
    data: StrategyCreate,
    session: SessionDep,
    _: ProjectWriterDep,
    response: Response,
) -> StrategyRead:
    """A strategy-map entry; its `cell_code` (I1..E3) is derived from target x type."""
    strategy = await service.add_strategy(session, outcome_map, partner, data=data)
    mark_created(response, f"{map_url(outcome_map)}/strategies/{strategy.id}", strategy.version)
    return StrategyRead.model_validate(strategy)


@router.patch(
    STRATEGY,
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound, PreconditionFailed),
)
async def update_strategy(
    outcome_map: OutcomeMapDep,
    strategy: StrategyDep,
    patch: StrategyPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> StrategyRead:
    check_if_match(request, strategy.version)
    strategy = await service.update_strategy(session, outcome_map, strategy, patch=patch)
    mark_version(response, strategy.version)
    return StrategyRead.model_validate(strategy)


@router.delete(
    STRATEGY,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound, PreconditionFailed),
)
async def delete_strategy(
    outcome_map: OutcomeMapDep,
    strategy: StrategyDep,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
) -> None:
    """Remove a strategy from a draft (agreed versions are read-only)."""
    check_if_match(request, strategy.version)
    await service.delete_strategy(session, outcome_map, strategy)
