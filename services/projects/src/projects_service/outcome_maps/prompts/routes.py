"""Revision prompts: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from projects_service.outcome_maps.models import PromptStatus
from projects_service.outcome_maps.prompts import service
from projects_service.outcome_maps.schemas import RevisionPromptRead
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectNotFound
from shared.auth import PrincipalDep
from shared.db import SessionDep
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["outcome maps"])

PromptPagination = Annotated[Pagination, Depends(pagination_dependency())]


@router.get("/outcome-map-prompts", responses=problem_responses(ProjectNotFound))
async def list_outcome_map_prompts(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: PromptPagination,
    prompt_status: Annotated[PromptStatus | None, Query(alias="status")] = None,
) -> Page[RevisionPromptRead]:
    """Pivots implemented in developmental evaluation that prompt a new outcome-map version
    (`open` until a later version is agreed)."""
    return await service.list_prompts(session, project, pagination, status=prompt_status)
