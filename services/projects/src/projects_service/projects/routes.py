"""Projects: HTTP routes for the registry (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.projects import repository, service
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import (
    IllegalStageTransition,
    ProjectArchived,
    ProjectNotFound,
    TransitionNeedsGovernance,
)
from projects_service.projects.models import (
    Core20Plus5,
    InnovationType,
    LeadPartner,
    Pillar,
    Project,
    ProjectStatus,
    ReceivedDecision,
    Stage,
    StageChange,
)
from projects_service.projects.schemas import (
    ProjectCreate,
    ProjectPatch,
    ProjectRead,
    ReceivedDecisionRead,
    StageChangeRead,
    TransitionCreate,
    TransitionResult,
)
from projects_service.settings import Settings, get_settings
from projects_service.sql import today
from projects_service.team import service as team_service
from projects_service.team.dependencies import ProjectWriterDep
from projects_service.team.errors import NotATeamMember
from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, etag_for, mark_created
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.types import QueryBool

router = APIRouter(prefix="/v1/projects", tags=["projects"])

Registrar = Annotated[Principal, Depends(require_roles(Role.governance, Role.contributor))]
Curator = Annotated[Principal, Depends(require_roles(Role.governance))]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ProjectPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {
                "created_at": Project.created_at,
                "updated_at": Project.updated_at,
                "title": Project.title,
                "reference": Project.reference,
                "stage": Project.stage,
                "stage_changed_at": Project.stage_changed_at,
            }
        )
    ),
]
HistoryPagination = Annotated[
    Pagination, Depends(pagination_dependency({"occurred_at": StageChange.occurred_at}))
]
DecisionPagination = Annotated[
    Pagination, Depends(pagination_dependency({"received_at": ReceivedDecision.received_at}))
]


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses())
async def create_project(
    data: ProjectCreate,
    session: SessionDep,
    actor: Registrar,
    response: Response,
    settings: SettingsDep,
) -> ProjectRead:
    """Register a project; its reference (e.g. `CMDI-2026-014`) is generated. A contributor who
    registers a project becomes its first team member (role `member`)."""
    project = await service.create_project(
        session, data=data, actor=actor, reference_prefix=settings.reference_prefix
    )
    if not actor.has_any(Role.governance, Role.admin):
        name = str(actor.claims.get("name") or actor.subject)[:200]
        await team_service.add_founding_member(session, project, subject=actor.subject, name=name)
    mark_created(response, f"{router.prefix}/{project.id}", project.version)
    return ProjectRead.model_validate(project)


@router.get("", responses=problem_responses())
async def list_projects(
    session: SessionDep,
    _: PrincipalDep,
    pagination: ProjectPagination,
    stage: Stage | None = None,
    status_: Annotated[ProjectStatus | None, Query(alias="status")] = None,
    pillar: Pillar | None = None,
    innovation_type: InnovationType | None = None,
    lead_partner: LeadPartner | None = None,
    directorate: Annotated[str | None, Query(max_length=120)] = None,
    site_code: Annotated[str | None, Query(max_length=20)] = None,
    funding_source: Annotated[str | None, Query(max_length=200)] = None,
    is_digital: QueryBool | None = None,
    net_zero_relevant: QueryBool | None = None,
    core20plus5_tag: Annotated[
        Core20Plus5 | None, Query(description="Projects carrying this tag.")
    ] = None,
    tag: Annotated[
        str | None, Query(max_length=60, description="Projects carrying this free tag.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Search title, summary and reference.")
    ] = None,
    ids: Annotated[
        list[uuid.UUID] | None,
        Query(
            alias="id",
            max_length=200,
            description="Only these projects (repeat the parameter, at most 200).",
        ),
    ] = None,
    team_member: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Only projects on whose team this token subject is active today. Other "
            "services check write rights for a set of projects with `?id=...&team_member=` in "
            "one call.",
        ),
    ] = None,
) -> Page[ProjectRead]:
    """Projects, filtered and keyset-paginated."""
    statement = repository.list_statement(
        ids=ids,
        team_member=team_member,
        day=today(),
        filters={
            "stage": stage,
            "status": status_,
            "pillar": pillar,
            "innovation_type": innovation_type,
            "lead_partner": lead_partner,
            "directorate": directorate,
            "site_code": site_code,
            "funding_source": funding_source,
            "is_digital": is_digital,
            "net_zero_relevant": net_zero_relevant,
        },
        q=q,
        core20plus5_tag=core20plus5_tag,
        tag=tag,
        dialect=session.get_bind().dialect.name,
    )
    rows = await pagination.rows(
        session, statement, id_column=Project.id, updated_column=Project.updated_at
    )
    return rows.as_page(ProjectRead)


@router.get("/{project_id}", responses=problem_responses(ProjectNotFound, 304))
async def get_project(
    project: ProjectDep, _: PrincipalDep, request: Request, response: Response
) -> ProjectRead:
    conditional_get(request, response, project.version)
    return ProjectRead.model_validate(project)


@router.patch(
    "/{project_id}",
    responses=problem_responses(
        ProjectNotFound, NotATeamMember, ProjectArchived, PreconditionFailed
    ),
)
async def update_project(
    project: ProjectDep,
    patch: ProjectPatch,
    session: SessionDep,
    _: ProjectWriterDep,
    request: Request,
    response: Response,
) -> ProjectRead:
    """JSON merge patch (`application/merge-patch+json` or `application/json`), `If-Match`
    honoured. The stage is not patchable: use `/transitions` (gates move with decisions)."""
    check_if_match(request, project.version)
    project = await service.update_project(session, project, patch=patch)
    response.headers["ETag"] = etag_for(project.version)
    return ProjectRead.model_validate(project)


@router.post(
    "/{project_id}/archive", responses=problem_responses(ProjectNotFound, PreconditionFailed)
)
async def archive_project(
    project: ProjectDep, session: SessionDep, _: Curator, request: Request, response: Response
) -> ProjectRead:
    """Archive instead of delete: the project becomes read-only and stays in history."""
    check_if_match(request, project.version)
    project = await service.archive_project(session, project)
    response.headers["ETag"] = etag_for(project.version)
    return ProjectRead.model_validate(project)


@router.post(
    "/{project_id}/transitions",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        ProjectNotFound,
        NotATeamMember,
        TransitionNeedsGovernance,
        ProjectArchived,
        IllegalStageTransition,
        PreconditionFailed,
    ),
)
async def transition_project(
    project: ProjectDep,
    data: TransitionCreate,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> TransitionResult:
    """A stage move that crosses no gate: `pause` (from any stage before closed), `resume` (back
    to the stage it was paused in), `stop` (before sustained; terminal), `close` (from
    sustained) and `end_pilot` (pilot → evaluation). Stop and close need governance. Gate
    crossings happen only when the assessment service records a decision."""
    check_if_match(request, project.version)
    if service.needs_governance(data.action) and not actor.has_any(Role.governance, Role.admin):
        raise TransitionNeedsGovernance(f"`{data.action}` needs the governance role.")
    change = await service.transition_project(session, project, data=data, actor=actor)
    mark_created(response, f"{router.prefix}/{project.id}/stages/{change.id}", project.version)
    return TransitionResult(
        project=ProjectRead.model_validate(project),
        stage_change=StageChangeRead.model_validate(change),
    )


@router.get("/{project_id}/stages", responses=problem_responses(ProjectNotFound))
async def list_stage_changes(
    project: ProjectDep, session: SessionDep, _: PrincipalDep, pagination: HistoryPagination
) -> Page[StageChangeRead]:
    """Stage history, oldest first (`?sort=-occurred_at` for newest first)."""
    rows = await pagination.rows(
        session,
        repository.stage_history_statement(project.id),
        id_column=StageChange.id,
        updated_column=StageChange.occurred_at,
    )
    return rows.as_page(StageChangeRead)


@router.get("/{project_id}/decisions", responses=problem_responses(ProjectNotFound))
async def list_received_decisions(
    project: ProjectDep, session: SessionDep, _: PrincipalDep, pagination: DecisionPagination
) -> Page[ReceivedDecisionRead]:
    """Governance decisions received from the assessment service and what each did to the stage
    (`applied`, `no_change`, or `rejected` with the reason)."""
    rows = await pagination.rows(
        session,
        repository.decisions_statement(project.id),
        id_column=ReceivedDecision.id,
        updated_column=ReceivedDecision.received_at,
    )
    return rows.as_page(ReceivedDecisionRead)
