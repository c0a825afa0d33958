from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from projects_service.projects import repository, service
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived, ProjectNotFound
from projects_service.projects.models import InnovationType, LeadPartner, Pillar, Project, ProjectStatus, Stage
from projects_service.projects.schemas import ProjectCreate, ProjectPatch, ProjectRead
from projects_service.settings import Settings, get_settings
from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.etag import PreconditionFailed, check_if_match, conditional_get, etag_for
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects", tags=["projects"])

Writer = Annotated[Principal, Depends(require_roles(Role.governance, Role.contributor))]
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
            }
        )
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(),
)
async def create_project(
    data: ProjectCreate, session: SessionDep, actor: Writer, response: Response, settings: SettingsDep
) -> ProjectRead:
    """Register a project; its reference (e.g. `CMDI-2026-014`) is generated."""
    project = await service.create_project(
        session, data=data, actor=actor, reference_prefix=settings.reference_prefix
    )
    response.headers["Location"] = f"{router.prefix}/{project.id}"
    response.headers["ETag"] = etag_for(project.version)
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
    directorate: str | None = None,
    is_digital: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search title, summary and reference.")] = None,
) -> Page[ProjectRead]:
    """Projects, filtered and keyset-paginated."""
    statement = repository.list_statement(
        filters={
            "stage": stage,
            "status": status_,
            "pillar": pillar,
            "innovation_type": innovation_type,
            "lead_partner": lead_partner,
            "directorate": directorate,
            "is_digital": is_digital,
        },
        q=q,
    )
    rows = await pagination.rows(session, statement, id_column=Project.id, updated_column=Project.updated_at)
    return rows.as_page(ProjectRead)


@router.get("/{project_id}", responses=problem_responses(ProjectNotFound, 304))
async def get_project(project: ProjectDep, _: PrincipalDep, request: Request, response: Response) -> ProjectRead:
    conditional_get(request, response, project.version)
    return ProjectRead.model_validate(project)


@router.patch("/{project_id}", responses=problem_responses(ProjectNotFound, ProjectArchived, PreconditionFailed))
async def update_project(
    project: ProjectDep, patch: ProjectPatch, session: SessionDep, _: Writer, request: Request, response: Response
) -> ProjectRead:
    """JSON merge patch (`application/merge-patch+json` or `application/json`); `If-Match` honoured."""
    check_if_match(request, project.version)
    project = await service.update_project(session, project, patch=patch)
    response.headers["ETag"] = etag_for(project.version)
    return ProjectRead.model_validate(project)


@router.post(
    "/{project_id}/archive",
    responses=problem_responses(ProjectNotFound, PreconditionFailed),
)
async def archive_project(
    project: ProjectDep, session: SessionDep, _: Curator, request: Request, response: Response
) -> ProjectRead:
    """Archive instead of delete: the project becomes read-only and stays in history."""
    check_if_match(request, project.version)
    project = await service.archive_project(session, project)
    response.headers["ETag"] = etag_for(project.version)
    return ProjectRead.model_validate(project)
