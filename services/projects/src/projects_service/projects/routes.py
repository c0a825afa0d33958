"""Projects: HTTP routes for the registry (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.projects import service
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import (
    ProjectArchived,
    ProjectNotFound,
    TooManyTeamProjects,
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
    ProjectArchive,
    ProjectCreate,
    ProjectPatch,
    ProjectRead,
    ProjectTransition,
    ReceivedDecisionRead,
    StageChangeRead,
    TeamProjectIds,
)
from projects_service.settings import Settings, settings_dependency
from projects_service.team import service as team_service
from projects_service.team.dependencies import ProjectWriterDep
from projects_service.team.errors import NotATeamMember
from shared.auth import Principal, PrincipalDep, Role, require_roles
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
from shared.transitions import GateRequiresDecision, IllegalTransition
from shared.types import QueryBool

router = APIRouter(prefix="/v1/projects", tags=["projects"])

Registrar = Annotated[Principal, Depends(require_roles(Role.governance, Role.contributor))]
Curator = Annotated[Principal, Depends(require_roles(Role.governance))]
SettingsDep = Annotated[Settings, Depends(settings_dependency)]
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
# `?id=`, repeated: the projects a list or a team question is narrowed to.
ProjectIdsQuery = Annotated[
    list[uuid.UUID] | None,
    Query(
        alias="id",
        max_length=service.MAX_IDS_PER_QUESTION,
        description=f"Only these projects (repeat it, at most {service.MAX_IDS_PER_QUESTION}).",
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
    return service.present(project, actor)


@router.get("", responses=problem_responses())
async def list_projects(
    session: SessionDep,
    principal: PrincipalDep,
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
    ids: ProjectIdsQuery = None,
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
    return await service.list_projects(
        session,
        pagination,
        principal,
        ids=ids,
        team_member=team_member,
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
    )


@router.get("/team-ids", responses=problem_responses(TooManyTeamProjects))
async def get_team_project_ids(
    session: SessionDep,
    _: PrincipalDep,
    team_member: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            description="The token subject whose active team memberships (today) are asked.",
        ),
    ],
    ids: ProjectIdsQuery = None,
) -> TeamProjectIds:
    """The ids of the projects on whose team `team_member` is active today, of `id` when
    given: `GET /v1/projects?team_member=` without the projects, which is all the write-rights
    and personal-data checks of the other services need (one call per request, a few hundred
    bytes where the projects themselves were 24 KB for 22; #16 item 3). At most 20,000."""
    return await service.team_project_ids(session, team_member, ids)


@router.get("/{project_id}", responses=problem_responses(ProjectNotFound, 304))
async def get_project(
    project: ProjectDep, principal: PrincipalDep, request: Request, response: Response
) -> ProjectRead:
    conditional_get(request, response, project.version)
    return service.present(project, principal)


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
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> ProjectRead:
    """JSON merge patch (`application/merge-patch+json` or `application/json`), `If-Match`
    honoured. The stage is not patchable: use `/transitions` (gates move with decisions)."""
    check_if_match(request, project.version)
    project = await service.update_project(session, project, patch=patch)
    mark_version(response, project.version)
    return service.present(project, actor)


@router.post(
    "/{project_id}/archive", responses=problem_responses(ProjectNotFound, PreconditionFailed)
)
async def archive_project(
    project: ProjectDep,
    data: ProjectArchive,
    session: SessionDep,
    actor: Curator,
    request: Request,
    response: Response,
) -> ProjectRead:
    """Archive instead of delete, saying why (`{"reason"}`, required: 422 without): the project
    becomes read-only and stays in history; `archive_reason` keeps the reason."""
    check_if_match(request, project.version)
    project = await service.archive_project(session, project, reason=data.reason)
    mark_version(response, project.version)
    return service.present(project, actor)


@router.post(
    "/{project_id}/transitions",
    responses=problem_responses(
        ProjectNotFound,
        NotATeamMember,
        TransitionNeedsGovernance,
        ProjectArchived,
        IllegalTransition,
        GateRequiresDecision,
        PreconditionFailed,
    ),
)
async def transition_project(
    project: ProjectDep,
    data: ProjectTransition,
    session: SessionDep,
    actor: ProjectWriterDep,
    request: Request,
    response: Response,
) -> ProjectRead:
    """Move the project to the stage named in `to` (see its `allowed_transitions`): `paused`
    (from any stage before closed), back to the stage it was paused in (resume), `stopped`
    (before sustained; terminal), `closed` (from sustained) or `evaluation` (from pilot, ending
    the pilot). Stopping and closing need governance. A gate crossing (e.g. idea → scoping)
    is a 409 `gate-requires-decision`: gates move only when the assessment service records a
    decision. Any other move is a 409 `illegal-transition` naming the `rule`. Answers the
    project as it now is; the move is in `GET /v1/projects/{id}/transitions`."""
    check_if_match(request, project.version)
    project = await service.transition_project(session, project, data=data, actor=actor)
    mark_version(response, project.version)
    return service.present(project, actor)


@router.get("/{project_id}/transitions", responses=problem_responses(ProjectNotFound))
async def list_stage_changes(
    project: ProjectDep, session: SessionDep, _: PrincipalDep, pagination: HistoryPagination
) -> Page[StageChangeRead]:
    """Stage history (transitions asked for and decisions applied), oldest first
    (`?sort=-occurred_at` for newest first)."""
    return await service.list_stage_changes(session, project, pagination)


@router.get("/{project_id}/decisions", responses=problem_responses(ProjectNotFound))
async def list_received_decisions(
    project: ProjectDep, session: SessionDep, _: PrincipalDep, pagination: DecisionPagination
) -> Page[ReceivedDecisionRead]:
    """Governance decisions received from the assessment service and what each did to the stage
    (`applied`, `no_change`, or `rejected` with the reason)."""
    return await service.list_received_decisions(session, project, pagination)
