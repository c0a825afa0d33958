"""Frameworks: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from assessment_service.frameworks import service
from assessment_service.frameworks.dependencies import FrameworkDep
from assessment_service.frameworks.errors import (
    ActiveVersionConflict,
    FrameworkIncomplete,
    FrameworkInUse,
    FrameworkNotEditable,
    FrameworkNotFound,
    FrameworkSourceNotFound,
    FrameworkVersionExists,
    InvalidFrameworkDefinition,
)
from assessment_service.frameworks.models import Framework, FrameworkStatus
from assessment_service.frameworks.schemas import (
    FrameworkClone,
    FrameworkCreate,
    FrameworkDocument,
    FrameworkPatch,
    FrameworkRead,
    FrameworkSourceRead,
    FrameworkSummary,
    FrameworkTransition,
    export_document,
)
from assessment_service.lifecycle import with_transitions
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
from shared.transitions import IllegalTransition

router = APIRouter(prefix="/v1/frameworks", tags=["frameworks"])

Author = Annotated[Principal, Depends(require_roles(Role.governance))]
FrameworkPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {
                "created_at": Framework.created_at,
                "updated_at": Framework.updated_at,
                "name": Framework.name,
            }
        )
    ),
]
# Reference data seeded by migration: no change time, so no `updated_since`.
CataloguePagination = Annotated[Pagination, Depends(pagination_dependency(incremental=False))]


def _read(framework: Framework, actor: Principal) -> FrameworkRead:
    return with_transitions(FrameworkRead, framework, service.allowed_transitions(framework, actor))


def _created(response: Response, framework: Framework, actor: Principal) -> FrameworkRead:
    mark_created(response, f"{router.prefix}/{framework.id}", framework.version)
    return _read(framework, actor)


def _updated(response: Response, framework: Framework, actor: Principal) -> FrameworkRead:
    mark_version(response, framework.version)
    return _read(framework, actor)


# -- framework sources (reference data); declared before `/{framework_id}` -----------------------


@router.get("/sources", responses=problem_responses())
async def list_framework_sources(
    session: SessionDep, _: PrincipalDep, pagination: CataloguePagination
) -> Page[FrameworkSourceRead]:
    """The published frameworks templates cite (NASSS, RE-AIM, CFIR, NICE ESF, DTAC, ...), with
    their structure; cite an item in `source_refs` as `<code>:<item>`. A small catalogue seeded
    by migration, paged by code like any list: at the default limit it is one page
    (`next_cursor: null`). It changes only with a release, so it takes no `updated_since`."""
    return await service.list_sources(session, pagination)


@router.get("/sources/{code}", responses=problem_responses(FrameworkSourceNotFound))
async def get_framework_source(
    code: str, session: SessionDep, _: PrincipalDep
) -> FrameworkSourceRead:
    return FrameworkSourceRead.model_validate(await service.get_source(session, code))


# -- templates -----------------------------------------------------------------------------------


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(FrameworkVersionExists, InvalidFrameworkDefinition),
)
async def create_framework(
    data: FrameworkCreate, session: SessionDep, actor: Author, response: Response
) -> FrameworkRead:
    """Author a template version (starts as `draft`); the definition may be filled in later."""
    framework = await service.create_framework(session, data=data, actor=actor)
    return _created(response, framework, actor)


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(FrameworkVersionExists, InvalidFrameworkDefinition),
)
async def import_framework(
    document: FrameworkDocument, session: SessionDep, actor: Author, response: Response
) -> FrameworkRead:
    """Import a whole template version from its JSON document (as `export` writes it). Every
    error points into the document (`/domains/2/criteria/0/gate_rule`)."""
    framework = await service.create_framework(session, data=document, actor=actor)
    return _created(response, framework, actor)


@router.get("", responses=problem_responses())
async def list_frameworks(
    session: SessionDep,
    _: PrincipalDep,
    pagination: FrameworkPagination,
    name: Annotated[str | None, Query(max_length=120)] = None,
    status_: Annotated[FrameworkStatus | None, Query(alias="status")] = None,
) -> Page[FrameworkSummary]:
    return await service.list_frameworks(session, pagination, name=name, status=status_)


@router.get("/{framework_id}", responses=problem_responses(FrameworkNotFound, 304))
async def get_framework(
    framework: FrameworkDep, actor: PrincipalDep, request: Request, response: Response
) -> FrameworkRead:
    conditional_get(request, response, framework.version)
    return _read(framework, actor)


@router.get("/{framework_id}/export", responses=problem_responses(FrameworkNotFound))
async def export_framework(framework: FrameworkDep, _: PrincipalDep) -> FrameworkDocument:
    """The version as one JSON document, importable as is (change `semver` or `name` first)."""
    return export_document(framework)


@router.patch(
    "/{framework_id}",
    responses=problem_responses(
        FrameworkNotFound,
        FrameworkInUse,
        FrameworkNotEditable,
        InvalidFrameworkDefinition,
        PreconditionFailed,
    ),
)
async def update_framework(
    framework: FrameworkDep,
    patch: FrameworkPatch,
    session: SessionDep,
    actor: Author,
    request: Request,
    response: Response,
) -> FrameworkRead:
    """JSON merge patch of a draft or piloting version that no assessment has used."""
    check_if_match(request, framework.version)
    framework = await service.update_framework(session, framework, patch=patch)
    return _updated(response, framework, actor)


@router.post(
    "/{framework_id}/transitions",
    responses=problem_responses(
        FrameworkNotFound,
        IllegalTransition,
        FrameworkIncomplete,
        ActiveVersionConflict,
        PreconditionFailed,
    ),
)
async def transition_framework(
    framework: FrameworkDep,
    data: FrameworkTransition,
    session: SessionDep,
    actor: Author,
    request: Request,
    response: Response,
) -> FrameworkRead:
    """Move the version along its lifecycle (draft → piloting → active → retired): 200 with the
    version as it now is. A move the lifecycle has no edge for is 409 `illegal-transition`;
    the read model's `allowed_transitions` lists the moves open now."""
    check_if_match(request, framework.version)
    framework = await service.transition_framework(
        session, framework, to=data.to, reason=data.reason
    )
    return _updated(response, framework, actor)


@router.post(
    "/{framework_id}/clone",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(FrameworkNotFound, FrameworkVersionExists),
)
async def clone_framework(
    framework: FrameworkDep,
    data: FrameworkClone,
    session: SessionDep,
    actor: Author,
    response: Response,
) -> FrameworkRead:
    """Version n+1 as a new draft (the usual way to change a version already in use)."""
    clone = await service.clone_framework(session, framework, data=data, actor=actor)
    return _created(response, clone, actor)
