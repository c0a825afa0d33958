"""Outcome maps: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.outcome_maps import repository, service
from projects_service.outcome_maps.dependencies import (
    EvaluationItemDep,
    MarkerDep,
    MonitoringItemDep,
    OutcomeMapDep,
    PartnerDep,
    StrategyDep,
)
from projects_service.outcome_maps.errors import (
    AgreedMarkerNeedsRevision,
    DraftAlreadyExists,
    InvalidMonitoringPriority,
    MarkerNotActive,
    OutcomeMapElementNotFound,
    OutcomeMapIncomplete,
    OutcomeMapNotFound,
    OutcomeMapReadOnly,
    RevisionRationaleRequired,
    StakeholdersUnavailable,
    UnknownStakeholder,
)
from projects_service.outcome_maps.models import (
    EvaluationPlanItem,
    MapStatus,
    MonitoringPlanItem,
    OutcomeMap,
    Practice,
    PromptStatus,
    RevisionPrompt,
)
from projects_service.outcome_maps.schemas import (
    AgreeCreate,
    BoundaryPartnerCreate,
    BoundaryPartnerPatch,
    BoundaryPartnerRead,
    EvaluationPlanItemCreate,
    EvaluationPlanItemPatch,
    EvaluationPlanItemRead,
    MarkerCreate,
    MarkerPatch,
    MarkerRead,
    MarkerRetire,
    MarkerRevise,
    MonitoringPlanItemCreate,
    MonitoringPlanItemPatch,
    MonitoringPlanItemRead,
    OutcomeMapCreate,
    OutcomeMapDetail,
    OutcomeMapPatch,
    OutcomeMapRead,
    PracticePatch,
    PracticeRead,
    RevisionPromptRead,
    StrategyCreate,
    StrategyPatch,
    StrategyRead,
)
from projects_service.outcome_maps.stakeholders import StakeholdersClientDep, verify_stakeholders
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.team.dependencies import ProjectWriterDep
from projects_service.team.errors import NotATeamMember
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, etag_for, mark_created
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["outcome maps"])
MAPS = "/outcome-maps"
MAP = "/outcome-maps/{map_id}"

MapPagination = Annotated[
    Pagination, Depends(pagination_dependency({"map_version": OutcomeMap.map_version}))
]
ItemPagination = Annotated[Pagination, Depends(pagination_dependency())]

# The problems every write to a map element may answer.
WRITE_PROBLEMS = (
    ProjectNotFound,
    OutcomeMapNotFound,
    NotATeamMember,
    ProjectArchived,
    OutcomeMapReadOnly,
)


async def _detail(session: SessionDep, outcome_map: OutcomeMap) -> OutcomeMapDetail:
    detail = await repository.get_detail(session, outcome_map.id)
    body = OutcomeMapDetail.model_validate(detail)
    body.warnings = service.warnings_for(detail)
    return body


def _map_url(outcome_map: OutcomeMap) -> str:
    return f"/v1/projects/{outcome_map.project_id}/outcome-maps/{outcome_map.id}"


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
    mark_created(response, _map_url(outcome_map), outcome_map.version)
    return await _detail(session, outcome_map)


@router.get(MAPS, responses=problem_responses(ProjectNotFound))
async def list_outcome_maps(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: MapPagination,
    status_filter: Annotated[MapStatus | None, Query(alias="status")] = None,
) -> Page[OutcomeMapRead]:
    """The project's outcome-map versions (`?status=agreed` for the current one)."""
    statement = repository.list_statement(project.id, status=status_filter)
    rows = await pagination.rows(
        session, statement, id_column=OutcomeMap.id, updated_column=OutcomeMap.updated_at
    )
    return rows.as_page(OutcomeMapRead)


@router.get(MAP, responses=problem_responses(ProjectNotFound, OutcomeMapNotFound, 304))
async def get_outcome_map(
    outcome_map: OutcomeMapDep,
    session: SessionDep,
    _: PrincipalDep,
    request: Request,
    response: Response,
) -> OutcomeMapDetail:
    """One version with its partners (challenge, markers, strategies) and practices."""
    conditional_get(request, response, outcome_map.version)
    return await _detail(session, outcome_map)


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
        response.headers["Location"] = _map_url(edited)
    response.headers["ETag"] = etag_for(edited.version)
    return await _detail(session, edited)


@router.post(
    f"{MAP}/agree",
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapIncomplete, PreconditionFailed),
)
async def agree_outcome_map(
    outcome_map: OutcomeMapDep,
    data: AgreeCreate,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> OutcomeMapDetail:
    """Agree a draft: it becomes the one agreed version (the previous one is superseded), open
    revision prompts are addressed, and `outcome_map.agreed` is published. Needs a vision, a
    mission, and for each partner an outcome challenge and at least one active marker."""
    check_if_match(request, outcome_map.version)
    agreed = await service.agree_map(session, outcome_map, data=data, actor=actor.subject)
    response.headers["ETag"] = etag_for(agreed.version)
    return await _detail(session, agreed)


# --- boundary partners ---------------------------------------------------------------------


@router.post(
    f"{MAP}/partners",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(*WRITE_PROBLEMS, UnknownStakeholder, StakeholdersUnavailable),
)
async def add_boundary_partner(
    outcome_map: OutcomeMapDep,
    data: BoundaryPartnerCreate,
    session: SessionDep,
    _: ProjectWriterDep,
    stakeholders: StakeholdersClientDep,
    response: Response,
) -> BoundaryPartnerRead:
    """A boundary partner (a group, not a person) with its outcome challenge. Stakeholder refs
    are checked with the stakeholders service: unknown ids are a 422, an unreachable service 503."""
    service.ensure_draft(outcome_map)
    await verify_stakeholders(stakeholders, data.stakeholder_refs, pointer="/stakeholder_refs")
    partner = await service.add_partner(session, outcome_map, data=data)
    mark_created(response, f"{_map_url(outcome_map)}/partners/{partner.id}", partner.version)
    return BoundaryPartnerRead.model_validate(partner)


@router.patch(
    f"{MAP}/partners/{{partner_id}}",
    responses=problem_responses(
        *WRITE_PROBLEMS,
        OutcomeMapElementNotFound,
        UnknownStakeholder,
        StakeholdersUnavailable,
        PreconditionFailed,
    ),
)
async def update_boundary_partner(
    outcome_map: OutcomeMapDep,
    partner: PartnerDep,
    patch: BoundaryPartnerPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    stakeholders: StakeholdersClientDep,
    request: Request,
    response: Response,
) -> BoundaryPartnerRead:
    check_if_match(request, partner.version)
    service.ensure_draft(outcome_map)
    if patch.stakeholder_refs is not None:
        await verify_stakeholders(
            stakeholders,
            patch.stakeholder_refs,
            already_known=partner.stakeholder_refs,
            pointer="/stakeholder_refs",
        )
    partner = await service.update_partner(session, outcome_map, partner, patch=patch)
    response.headers["ETag"] = etag_for(partner.version)
    return BoundaryPartnerRead.model_validate(partner)


@router.delete(
    f"{MAP}/partners/{{partner_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound, PreconditionFailed),
)
async def delete_boundary_partner(
    outcome_map: OutcomeMapDep,
    partner: PartnerDep,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
) -> None:
    """Remove a partner from a draft, with its markers, strategies and the monitoring-plan
    items about them. Agreed versions are read-only (409)."""
    check_if_match(request, partner.version)
    await service.delete_partner(session, outcome_map, partner)


# --- progress markers ----------------------------------------------------------------------


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
    mark_created(response, f"{_map_url(outcome_map)}/markers/{marker.id}", marker.version)
    return MarkerRead.model_validate(marker)


@router.patch(
    f"{MAP}/markers/{{marker_id}}",
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
    response.headers["ETag"] = etag_for(marker.version)
    return MarkerRead.model_validate(marker)


@router.post(
    f"{MAP}/markers/{{marker_id}}/revise",
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
    mark_created(response, f"{_map_url(outcome_map)}/markers/{successor.id}", successor.version)
    return MarkerRead.model_validate(successor)


@router.post(
    f"{MAP}/markers/{{marker_id}}/retire",
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
    response.headers["ETag"] = etag_for(marker.version)
    return MarkerRead.model_validate(marker)


# --- strategy map --------------------------------------------------------------------------


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
    mark_created(response, f"{_map_url(outcome_map)}/strategies/{strategy.id}", strategy.version)
    return StrategyRead.model_validate(strategy)


@router.patch(
    f"{MAP}/strategies/{{strategy_id}}",
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
    response.headers["ETag"] = etag_for(strategy.version)
    return StrategyRead.model_validate(strategy)


@router.delete(
    f"{MAP}/strategies/{{strategy_id}}",
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


# --- organisational practices --------------------------------------------------------------


@router.patch(
    f"{MAP}/practices/{{practice}}",
    responses=problem_responses(*WRITE_PROBLEMS, PreconditionFailed),
)
async def update_organisational_practice(
    outcome_map: OutcomeMapDep,
    practice: Practice,
    patch: PracticePatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> PracticeRead:
    """Key actions for one of the eight practices, and whether it is in use."""
    row = await repository.get_practice(session, outcome_map.id, practice)
    check_if_match(request, row.version)
    row = await service.update_practice(session, outcome_map, row, patch=patch)
    response.headers["ETag"] = etag_for(row.version)
    return PracticeRead.model_validate(row)


# --- monitoring and evaluation plans -------------------------------------------------------


@router.post(
    f"{MAP}/monitoring-plan",
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
    mark_created(response, f"{_map_url(outcome_map)}/monitoring-plan/{item.id}", item.version)
    return MonitoringPlanItemRead.model_validate(item)


@router.get(
    f"{MAP}/monitoring-plan", responses=problem_responses(ProjectNotFound, OutcomeMapNotFound)
)
async def list_monitoring_plan_items(
    outcome_map: OutcomeMapDep, session: SessionDep, _: PrincipalDep, pagination: ItemPagination
) -> Page[MonitoringPlanItemRead]:
    statement = repository.plan_items_statement(MonitoringPlanItem, outcome_map.id)
    rows = await pagination.rows(
        session,
        statement,
        id_column=MonitoringPlanItem.id,
        updated_column=MonitoringPlanItem.updated_at,
    )
    return rows.as_page(MonitoringPlanItemRead)


@router.patch(
    f"{MAP}/monitoring-plan/{{item_id}}",
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound, PreconditionFailed),
)
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
    response.headers["ETag"] = etag_for(item.version)
    return MonitoringPlanItemRead.model_validate(item)


@router.delete(
    f"{MAP}/monitoring-plan/{{item_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound, PreconditionFailed),
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
    f"{MAP}/evaluation-plan",
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
    mark_created(response, f"{_map_url(outcome_map)}/evaluation-plan/{item.id}", item.version)
    return EvaluationPlanItemRead.model_validate(item)


@router.get(
    f"{MAP}/evaluation-plan", responses=problem_responses(ProjectNotFound, OutcomeMapNotFound)
)
async def list_evaluation_plan_items(
    outcome_map: OutcomeMapDep, session: SessionDep, _: PrincipalDep, pagination: ItemPagination
) -> Page[EvaluationPlanItemRead]:
    statement = repository.plan_items_statement(EvaluationPlanItem, outcome_map.id)
    rows = await pagination.rows(
        session,
        statement,
        id_column=EvaluationPlanItem.id,
        updated_column=EvaluationPlanItem.updated_at,
    )
    return rows.as_page(EvaluationPlanItemRead)


@router.patch(
    f"{MAP}/evaluation-plan/{{item_id}}",
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound, PreconditionFailed),
)
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
    response.headers["ETag"] = etag_for(item.version)
    return EvaluationPlanItemRead.model_validate(item)


@router.delete(
    f"{MAP}/evaluation-plan/{{item_id}}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*WRITE_PROBLEMS, OutcomeMapElementNotFound, PreconditionFailed),
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


# --- revision prompts ----------------------------------------------------------------------


@router.get("/outcome-map-prompts", responses=problem_responses(ProjectNotFound))
async def list_outcome_map_prompts(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: ItemPagination,
    prompt_status: Annotated[PromptStatus | None, Query(alias="status")] = None,
) -> Page[RevisionPromptRead]:
    """Pivots implemented in developmental evaluation that prompt a new outcome-map version
    (`open` until a later version is agreed)."""
    statement = repository.prompts_statement(project.id, status=prompt_status)
    rows = await pagination.rows(
        session, statement, id_column=RevisionPrompt.id, updated_column=RevisionPrompt.updated_at
    )
    return rows.as_page(RevisionPromptRead)
