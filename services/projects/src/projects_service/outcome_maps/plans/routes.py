"""Monitoring and evaluation plans: HTTP routes (thin: parse, call the service, shape the
response)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from projects_service.outcome_maps.dependencies import (
    MAP,
    WRITE_PROBLEMS,
    EvaluationItemDep,
    MonitoringItemDep,
    OutcomeMapDep,
    map_url,
)
from projects_service.outcome_maps.errors import (
    InvalidMonitoringPriority,
    OutcomeMapElementNotFound,
    OutcomeMapNotFound,
)
from projects_service.outcome_maps.plans import service
from projects_service.outcome_maps.schemas import (
    EvaluationPlanItemCreate,
    EvaluationPlanItemPatch,
    EvaluationPlanItemRead,
    MonitoringPlanItemCreate,
    MonitoringPlanItemPatch,
    MonitoringPlanItemRead,
)
from projects_service.projects.errors import ProjectNotFound
from projects_service.team.dependencies import ProjectWriterDep
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, mark_created, mark_version
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["outcome maps"])
MONITORING = f"{MAP}/monitoring-plan"
EVALUATION = f"{MAP}/evaluation-plan"
READ_PROBLEMS = problem_responses(ProjectNotFound, OutcomeMapNotFound)
ITEM_WRITE_PROBLEMS = problem_responses(
    *WRITE_PROBLEMS, OutcomeMapElementNotFound, PreconditionFailed
)

ItemPagination = Annotated[Pagination, Depends(pagination_dependency())]


@router.post(
    MONITORING,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_PROBLEMS, InvalidMonitoringPriority),
)
async def add_monitoring_plan_item(
    outcome_map: OutcomeMapDep,
    data: MonitoringPlanItemCreate,
    session: SessionDep,
    _: ProjectWriterDep,
    response: Response,
) -> MonitoringPlanItemRead:
    """OM step 8: a monitoring priority (a partner, a strategy or a practice of this version)."""
    item = await service.add_monitoring_item(session, outcome_map, data=data)
    mark_created(response, f"{map_url(outcome_map)}/monitoring-plan/{item.id}", item.version)
    return MonitoringPlanItemRead.model_validate(item)


@router.get(MONITORING, responses=READ_PROBLEMS)
async def list_monitoring_plan_items(
    outcome_map: OutcomeMapDep, session: SessionDep, _: PrincipalDep, pagination: ItemPagination
) -> Page[MonitoringPlanItemRead]:
    return await service.list_monitoring_items(session, outcome_map, pagination)


@router.patch(f"{MONITORING}/{{item_id}}", responses=ITEM_WRITE_PROBLEMS)
async def update_monitoring_plan_item(
    outcome_map: OutcomeMapDep,
    item: MonitoringItemDep,
    patch: MonitoringPlanItemPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> MonitoringPlanItemRead:
    check_if_match(request, item.version)
    item = await service.update_monitoring_item(session, outcome_map, item, patch=patch)
    mark_version(response, item.version)
    return MonitoringPlanItemRead.model_validate(item)


@router.delete(
    f"{MONITORING}/{{item_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ITEM_WRITE_PROBLEMS,
)
async def delete_monitoring_plan_item(
    outcome_map: OutcomeMapDep,
    item: MonitoringItemDep,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
) -> None:
    """Remove an item from a draft's monitoring plan (agreed versions are read-only: 409)."""
    check_if_match(request, item.version)
    await service.delete_plan_item(session, outcome_map, item)


@router.post(
    EVALUATION,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_PROBLEMS),
)
async def add_evaluation_plan_item(
    outcome_map: OutcomeMapDep,
    data: EvaluationPlanItemCreate,
    session: SessionDep,
    _: ProjectWriterDep,
    response: Response,
) -> EvaluationPlanItemRead:
    """OM step 12: an evaluation issue, its users and uses, questions, methods and cost."""
    item = await service.add_evaluation_item(session, outcome_map, data=data)
    mark_created(response, f"{map_url(outcome_map)}/evaluation-plan/{item.id}", item.version)
    return EvaluationPlanItemRead.model_validate(item)


@router.get(EVALUATION, responses=READ_PROBLEMS)
async def list_evaluation_plan_items(
    outcome_map: OutcomeMapDep, session: SessionDep, _: PrincipalDep, pagination: ItemPagination
) -> Page[EvaluationPlanItemRead]:
    return await service.list_evaluation_items(session, outcome_map, pagination)


@router.patch(f"{EVALUATION}/{{item_id}}", responses=ITEM_WRITE_PROBLEMS)
async def update_evaluation_plan_item(
    outcome_map: OutcomeMapDep,
    item: EvaluationItemDep,
    patch: EvaluationPlanItemPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> EvaluationPlanItemRead:
    check_if_match(request, item.version)
    item = await service.update_evaluation_item(session, outcome_map, item, patch=patch)
    mark_version(response, item.version)
    return EvaluationPlanItemRead.model_validate(item)


@router.delete(
    f"{EVALUATION}/{{item_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=ITEM_WRITE_PROBLEMS,
)
async def delete_evaluation_plan_item(
    outcome_map: OutcomeMapDep,
    item: EvaluationItemDep,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
) -> None:
    """Remove an item from a draft's evaluation plan (agreed versions are read-only: 409)."""
    check_if_match(request, item.version)
    await service.delete_plan_item(session, outcome_map, item)
