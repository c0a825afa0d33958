from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from assessment_service.frameworks import repository, service
from assessment_service.frameworks.dependencies import FrameworkDep
from assessment_service.frameworks.errors import FrameworkNotFound, FrameworkVersionExists
from assessment_service.frameworks.models import Framework, FrameworkStatus
from assessment_service.frameworks.schemas import FrameworkCreate, FrameworkRead
from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.etag import conditional_get, etag_for
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/frameworks", tags=["frameworks"])

Author = Annotated[Principal, Depends(require_roles(Role.governance))]
FrameworkPagination = Annotated[
    Pagination,
    Depends(pagination_dependency({"created_at": Framework.created_at, "name": Framework.name})),
]


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(FrameworkVersionExists))
async def create_framework(
    data: FrameworkCreate, session: SessionDep, actor: Author, response: Response
) -> FrameworkRead:
    """Author a framework template version (starts as `draft`)."""
    framework = await service.create_framework(session, data=data, actor=actor)
    response.headers["Location"] = f"{router.prefix}/{framework.id}"
    response.headers["ETag"] = etag_for(framework.version)
    return FrameworkRead.model_validate(framework)


@router.get("", responses=problem_responses())
async def list_frameworks(
    session: SessionDep,
    _: PrincipalDep,
    pagination: FrameworkPagination,
    name: Annotated[str | None, Query(max_length=120)] = None,
    status_: Annotated[FrameworkStatus | None, Query(alias="status")] = None,
) -> Page[FrameworkRead]:
    statement = repository.list_statement(name=name, status=status_)
    rows = await pagination.rows(session, statement, id_column=Framework.id, updated_column=Framework.updated_at)
    return rows.as_page(FrameworkRead)


@router.get("/{framework_id}", responses=problem_responses(FrameworkNotFound))
async def get_framework(
    framework: FrameworkDep, _: PrincipalDep, request: Request, response: Response
) -> FrameworkRead:
    conditional_get(request, response, framework.version)
    return FrameworkRead.model_validate(framework)
