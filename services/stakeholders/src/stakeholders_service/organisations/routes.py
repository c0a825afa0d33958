"""Organisations: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

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
from stakeholders_service.organisations import service
from stakeholders_service.organisations.dependencies import OrganisationDep, OrganisationReadDep
from stakeholders_service.organisations.errors import (
    InvalidParent,
    OdsCodeTaken,
    OrganisationNotFound,
)
from stakeholders_service.organisations.models import Organisation, OrganisationType
from stakeholders_service.organisations.schemas import (
    OrganisationCreate,
    OrganisationPatch,
    OrganisationRead,
)

router = APIRouter(prefix="/v1/organisations", tags=["organisations"])

Editor = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.contributor, Role.evaluator))
]
OrganisationPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {
                "created_at": Organisation.created_at,
                "updated_at": Organisation.updated_at,
                "name": Organisation.name,
            }
        )
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(OdsCodeTaken, InvalidParent),
)
async def create_organisation(
    data: OrganisationCreate, session: SessionDep, actor: Editor, response: Response
) -> OrganisationRead:
    organisation = await service.create_organisation(session, data=data, actor=actor)
    mark_created(response, f"{router.prefix}/{organisation.id}", organisation.version)
    return OrganisationRead.model_validate(organisation)


@router.get("", responses=problem_responses())
async def list_organisations(
    session: SessionDep,
    _: PrincipalDep,
    pagination: OrganisationPagination,
    type_: Annotated[OrganisationType | None, Query(alias="type")] = None,
    parent_id: uuid.UUID | None = None,
    ods_code: Annotated[str | None, Query(max_length=10)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search name and ODS code.")] = None,
) -> Page[OrganisationRead]:
    return await service.list_organisations(
        session, pagination=pagination, type_=type_, parent_id=parent_id, ods_code=ods_code, q=q
    )


@router.get("/{organisation_id}", responses=problem_responses(OrganisationNotFound))
async def get_organisation(
    organisation: OrganisationReadDep, _: PrincipalDep, request: Request, response: Response
) -> OrganisationRead:
    conditional_get(request, response, organisation.version)
    return organisation


@router.patch(
    "/{organisation_id}",
    responses=problem_responses(
        OrganisationNotFound, OdsCodeTaken, InvalidParent, PreconditionFailed
    ),
)
async def update_organisation(
    organisation: OrganisationDep,
    patch: OrganisationPatch,
    session: SessionDep,
    _: Editor,
    request: Request,
    response: Response,
) -> OrganisationRead:
    """JSON merge patch; `If-Match` honoured."""
    check_if_match(request, organisation.version)
    organisation = await service.update_organisation(session, organisation, patch=patch)
    mark_version(response, organisation.version)
    return OrganisationRead.model_validate(organisation)
