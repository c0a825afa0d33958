"""Stakeholders: HTTP routes (thin: parse, call the service, shape the response)."""

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
from shared.project_access import NotATeamMember
from shared.types import QueryBool
from stakeholders_service.clients.projects import (
    ProjectsDep,
    RelationshipOwnerNotOnTeam,
    UnknownProject,
    UpstreamUnavailable,
)
from stakeholders_service.stakeholders import orphans, service
from stakeholders_service.stakeholders.dependencies import LinkDep, StakeholderDep
from stakeholders_service.stakeholders.errors import (
    ContactConsentMissing,
    DuplicateLink,
    LinkNotFound,
    NoContactDetails,
    PersonalDataNotAllowed,
    PersonalSearchNotAllowed,
    StakeholderErased,
    StakeholderNotFound,
    UnknownOrganisation,
)
from stakeholders_service.stakeholders.models import (
    ProjectLink,
    Stakeholder,
    StakeholderCategory,
    StakeholderKind,
    StakeholderStatus,
)
from stakeholders_service.stakeholders.schemas import (
    ContactRead,
    ContactWrite,
    LinkCreate,
    LinkPatch,
    LinkRead,
    StakeholderCreate,
    StakeholderPatch,
    StakeholderView,
)

router = APIRouter(prefix="/v1/stakeholders", tags=["stakeholders"])

Editor = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.contributor, Role.evaluator))
]
StakeholderPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"created_at": Stakeholder.created_at, "updated_at": Stakeholder.updated_at}
        )
    ),
]
LinkPagination = Annotated[
    Pagination,
    Depends(pagination_dependency({"created_at": ProjectLink.created_at})),
]


async def _one(
    session: SessionDep, principal: Principal, client: ProjectsDep, stakeholder: Stakeholder
) -> StakeholderView:
    (view,) = await service.present(
        session, principal=principal, teams=client, stakeholders=[stakeholder]
    )
    return view


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(UnknownOrganisation, UpstreamUnavailable),
)
async def create_stakeholder(
    data: StakeholderCreate,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    response: Response,
) -> StakeholderView:
    """Register a stakeholder (with contact details, optionally). The answer follows the same
    role rules as a read: personal fields only for admins, owners and project teams."""
    stakeholder = await service.create_stakeholder(session, data=data, actor=actor)
    mark_created(response, f"{router.prefix}/{stakeholder.id}", stakeholder.version)
    return await _one(session, actor, client, stakeholder)


@router.get("", responses=problem_responses(PersonalSearchNotAllowed, UpstreamUnavailable))
async def list_stakeholders(
    session: SessionDep,
    principal: PrincipalDep,
    client: ProjectsDep,
    pagination: StakeholderPagination,
    kind: StakeholderKind | None = None,
    category: StakeholderCategory | None = None,
    status_: Annotated[StakeholderStatus | None, Query(alias="status")] = None,
    organisation_id: uuid.UUID | None = None,
    is_public_contributor: QueryBool | None = None,
    project_id: uuid.UUID | None = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Search names: admins search all, others only stakeholders whose "
            "relationship they own; refused for reporter and viewer.",
        ),
    ] = None,
) -> Page[StakeholderView]:
    return await service.list_stakeholders(
        session,
        principal=principal,
        teams=client,
        pagination=pagination,
        kind=kind,
        category=category,
        status=status_,
        organisation_id=organisation_id,
        is_public_contributor=is_public_contributor,
        project_id=project_id,
        q=q,
    )


@router.get("/orphaned-relationships")
async def list_orphaned_relationships(
    session: SessionDep,
    _: PrincipalDep,
    pagination: LinkPagination,
    project_id: uuid.UUID | None = None,
    former_owner: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="The owner whose role ended."),
    ] = None,
) -> Page[LinkRead]:
    """Links whose owner's last role on the project has ended while they owned the relationship
    alone (`orphaned_on` set), for reassignment: `PATCH /{stakeholder_id}/links/{link_id}` with a
    new `relationship_owner` takes a link off this list."""
    return await orphans.list_orphaned(
        session, pagination, project_id=project_id, former_owner=former_owner
    )


@router.get(
    "/{stakeholder_id}",
    responses=problem_responses(StakeholderNotFound, UpstreamUnavailable, 304),
)
async def get_stakeholder(
    stakeholder: StakeholderDep,
    session: SessionDep,
    principal: PrincipalDep,
    client: ProjectsDep,
    request: Request,
    response: Response,
) -> StakeholderView:
    """Stable for other services (boundary-partner references): `id`, `kind`, `category`,
    `status` are always present; an erased stakeholder answers 200 with `status: erased`."""
    conditional_get(request, response, stakeholder.version)
    return await _one(session, principal, client, stakeholder)


@router.patch(
    "/{stakeholder_id}",
    responses=problem_responses(
        StakeholderNotFound,
        NotATeamMember,
        StakeholderErased,
        UnknownOrganisation,
        PreconditionFailed,
        UpstreamUnavailable,
    ),
)
async def update_stakeholder(
    stakeholder: StakeholderDep,
    patch: StakeholderPatch,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    request: Request,
    response: Response,
) -> StakeholderView:
    """JSON merge patch; `If-Match` honoured. Contributors and evaluators change only
    stakeholders linked to a project whose team they are on (or, while it is linked to none,
    one they registered); admin and governance any."""
    check_if_match(request, stakeholder.version)
    stakeholder = await service.update_stakeholder(
        session, stakeholder, patch=patch, actor=actor, teams=client
    )
    mark_version(response, stakeholder.version)
    return await _one(session, actor, client, stakeholder)


@router.get(
    "/{stakeholder_id}/contact",
    responses=problem_responses(
        StakeholderNotFound,
        StakeholderErased,
        PersonalDataNotAllowed,
        NoContactDetails,
        ContactConsentMissing,
        UpstreamUnavailable,
    ),
)
async def get_contact(
    stakeholder: StakeholderDep, session: SessionDep, principal: PrincipalDep, client: ProjectsDep
) -> ContactRead:
    """Contact details for contacting the person: only while a `contact_for_engagement` consent
    is current (withdrawal stops it), and only to callers allowed personal data."""
    await service.require_personal_access(
        session, principal=principal, teams=client, stakeholder=stakeholder
    )
    return await service.contact_for_contacting(session, stakeholder)


@router.put(
    "/{stakeholder_id}/contact",
    responses=problem_responses(
        StakeholderNotFound, StakeholderErased, PersonalDataNotAllowed, UpstreamUnavailable
    ),
)
async def put_contact(
    stakeholder: StakeholderDep,
    data: ContactWrite,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
) -> ContactRead:
    """Replace the contact details (kept in their own table so they can be erased alone)."""
    await service.require_personal_access(
        session, principal=actor, teams=client, stakeholder=stakeholder
    )
    contact = await service.put_contact(session, stakeholder, data=data)
    return ContactRead.model_validate(contact)


@router.post(
    "/{stakeholder_id}/links",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        StakeholderNotFound,
        NotATeamMember,
        StakeholderErased,
        DuplicateLink,
        UnknownProject,
        RelationshipOwnerNotOnTeam,
        UpstreamUnavailable,
    ),
)
async def create_link(
    stakeholder: StakeholderDep,
    data: LinkCreate,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    response: Response,
) -> LinkRead:
    """Link the stakeholder to a project (checked with the projects service). Contributors and
    evaluators link only to projects whose team they are on; `relationship_owner` must be an
    active member of the project's team unless an admin names them."""
    link = await service.create_link(
        session, stakeholder=stakeholder, data=data, actor=actor, projects=client
    )
    mark_created(response, f"{router.prefix}/{stakeholder.id}/links/{link.id}", link.version)
    return LinkRead.model_validate(link)


@router.get("/{stakeholder_id}/links", responses=problem_responses(StakeholderNotFound))
async def list_links(
    stakeholder: StakeholderDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: LinkPagination,
) -> Page[LinkRead]:
    return await service.list_links(session, stakeholder, pagination=pagination)


@router.patch(
    "/{stakeholder_id}/links/{link_id}",
    responses=problem_responses(
        StakeholderNotFound,
        LinkNotFound,
        NotATeamMember,
        RelationshipOwnerNotOnTeam,
        PreconditionFailed,
        UpstreamUnavailable,
    ),
)
async def update_link(
    link: LinkDep,
    patch: LinkPatch,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    request: Request,
    response: Response,
) -> LinkRead:
    """Only on the team of the link's project (admin and governance: any); a new
    `relationship_owner` must be on that team unless an admin names them."""
    check_if_match(request, link.version)
    link = await service.update_link(session, link, patch=patch, actor=actor, projects=client)
    mark_version(response, link.version)
    return LinkRead.model_validate(link)


@router.delete(
    "/{stakeholder_id}/links/{link_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(
        StakeholderNotFound, LinkNotFound, NotATeamMember, PreconditionFailed, UpstreamUnavailable
    ),
)
async def delete_link(
    link: LinkDep, session: SessionDep, actor: Editor, client: ProjectsDep, request: Request
) -> None:
    check_if_match(request, link.version)
    await service.delete_link(session, link, actor=actor, projects=client)
