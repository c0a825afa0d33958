"""Business rules for the register. Functions flush, never commit (see shared/README.md)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.db import utcnow
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError
from shared.project_access import PROJECT_WORK, ProjectTeams
from stakeholders_service.clients.projects import (
    ProjectQuestions,
    ProjectsClient,
    require_new_project_write,
    require_owner_on_team,
    require_project_write,
)
from stakeholders_service.organisations import repository as organisations
from stakeholders_service.privacy import repository as privacy
from stakeholders_service.privacy.models import ConsentPurpose
from stakeholders_service.stakeholders import access, orphans, repository
from stakeholders_service.stakeholders.errors import (
    ContactConsentMissing,
    DuplicateLink,
    NoContactDetails,
    PersonalDataNotAllowed,
    PersonalSearchNotAllowed,
    StakeholderErased,
    UnknownOrganisation,
)
from stakeholders_service.stakeholders.models import (
    ContactDetails,
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
    StakeholderPersonal,
    StakeholderRestricted,
    StakeholderView,
)

StakeholderOut = StakeholderPersonal | StakeholderRestricted


def touch(stakeholder: Stakeholder) -> None:
    """Bump the stakeholder's ETag when something it embeds (contact, consent) changes."""
    stakeholder.updated_at = utcnow()


def ensure_not_erased(stakeholder: Stakeholder) -> None:
    if stakeholder.status is StakeholderStatus.erased:
        raise StakeholderErased(f"Stakeholder {stakeholder.id} was erased.")


async def _check_organisation(session: AsyncSession, organisation_id: uuid.UUID | None) -> None:
    if organisation_id is not None and await organisations.get(session, organisation_id) is None:
        raise UnknownOrganisation(
            "The organisation does not exist.",
            errors=[
                FieldError(
                    pointer="/organisation_id", location="body", detail="No such organisation."
                )
            ],
        )


async def create_stakeholder(
    session: AsyncSession, *, data: StakeholderCreate, actor: Principal
) -> Stakeholder:
    await _check_organisation(session, data.organisation_id)
    values = data.model_dump(exclude={"contact"})
    contact = ContactDetails(**data.contact.model_dump()) if data.contact is not None else None
    stakeholder = Stakeholder(created_by=actor.subject, contact=contact, **values)
    session.add(stakeholder)
    await session.flush()
    return stakeholder


async def require_stakeholder_write(
    session: AsyncSession, *, principal: Principal, teams: ProjectTeams, stakeholder: Stakeholder
) -> None:
    """A write to the person's record (details, consent, a new link): admin and governance
    anywhere; contributors and evaluators only on the team of a project the stakeholder is
    linked to, or, while it is linked to none, as the one who registered it. So nobody reaches
    a stranger's record by linking it to their own project."""
    linked = await repository.linked_project_ids(session, stakeholder.id)
    if not linked and stakeholder.created_by == principal.subject:
        PROJECT_WORK.require_role(principal)
        return
    await PROJECT_WORK.require_any(principal, linked, teams)


async def update_stakeholder(
    session: AsyncSession,
    stakeholder: Stakeholder,
    *,
    patch: StakeholderPatch,
    actor: Principal,
    teams: ProjectTeams,
) -> Stakeholder:
    await require_stakeholder_write(session, principal=actor, teams=teams, stakeholder=stakeholder)
    ensure_not_erased(stakeholder)
    changes = merge_patch_changes(
        patch,
        required=("display_name", "kind", "category", "is_public_contributor", "status"),
    )
    if "under_served_group_codes" in changes and changes["under_served_group_codes"] is None:
        changes["under_served_group_codes"] = []
    if "organisation_id" in changes:
        await _check_organisation(session, changes["organisation_id"])
    apply_changes(stakeholder, changes)
    await session.flush()
    return stakeholder


async def require_personal_access(
    session: AsyncSession, *, principal: Principal, teams: ProjectTeams, stakeholder: Stakeholder
) -> None:
    allowed = await access.personal_ids(
        session, principal=principal, teams=teams, stakeholder_ids=[stakeholder.id]
    )
    if stakeholder.id not in allowed:
        raise PersonalDataNotAllowed(
            "Only admins, the project team and a relationship owner named by an admin see "
            "personal data."
        )


async def put_contact(
    session: AsyncSession, stakeholder: Stakeholder, *, data: ContactWrite
) -> ContactDetails:
    ensure_not_erased(stakeholder)
    contact = stakeholder.contact
    if contact is None:
        contact = ContactDetails()
        stakeholder.contact = contact
    apply_changes(contact, data.model_dump())
    touch(stakeholder)
    await session.flush()
    return contact


async def present(
    session: AsyncSession,
    *,
    principal: Principal,
    teams: ProjectTeams,
    stakeholders: Sequence[Stakeholder],
) -> list[StakeholderOut]:
    """Each stakeholder in the representation this caller may receive (contacts loaded)."""
    ids = [s.id for s in stakeholders]
    personal = await access.personal_ids(
        session, principal=principal, teams=teams, stakeholder_ids=ids
    )
    contactable = await privacy.consented_ids(
        session, personal, purpose=ConsentPurpose.contact_for_engagement, now=utcnow()
    )
    out: list[StakeholderOut] = []
    for stakeholder in stakeholders:
        if stakeholder.id not in personal:
            out.append(StakeholderRestricted.model_validate(stakeholder))
            continue
        may_contact = stakeholder.id in contactable and stakeholder.contact is not None
        out.append(
            StakeholderPersonal.model_validate(
                {
                    **{k: getattr(stakeholder, k) for k in _PERSONAL_FIELDS},
                    "contactable": may_contact,
                    # Processing for contact stops without a current consent.
                    "contact": ContactRead.model_validate(stakeholder.contact)
                    if may_contact
                    else None,
                }
            )
        )
    return out


async def list_stakeholders(
    session: AsyncSession,
    *,
    principal: Principal,
    teams: ProjectQuestions,
    pagination: Pagination,
    kind: StakeholderKind | None,
    category: StakeholderCategory | None,
    status: StakeholderStatus | None,
    organisation_id: uuid.UUID | None,
    is_public_contributor: bool | None,
    project_id: uuid.UUID | None,
    q: str | None,
) -> Page[StakeholderView]:
    """A page of the register, each in the representation this caller may receive. A name
    search covers everyone for an admin, only the caller's own relationships for others (so it
    is no oracle), and is refused to the roles that never receive personal data."""
    if q and access.barred(principal):
        raise PersonalSearchNotAllowed("Reporters and viewers cannot search by name.")
    within = None
    if q and not principal.is_admin:
        within = await access.owned_ids(session, principal=principal, teams=teams)
    statement = await repository.list_statement(
        session,
        kind=kind,
        category=category,
        status=status,
        organisation_id=organisation_id,
        is_public_contributor=is_public_contributor,
        project_id=project_id,
        name_like=q,
        name_within=within,
    )
    rows = await pagination.rows(
        session, statement, id_column=Stakeholder.id, updated_column=Stakeholder.updated_at
    )
    items = await present(session, principal=principal, teams=teams, stakeholders=rows.items)
    return Page[StakeholderView](items=items, next_cursor=rows.next_cursor)


async def list_links(
    session: AsyncSession, stakeholder: Stakeholder, *, pagination: Pagination
) -> Page[LinkRead]:
    rows = await pagination.rows(
        session,
        repository.links_statement(stakeholder.id),
        id_column=ProjectLink.id,
        updated_column=ProjectLink.updated_at,
    )
    return rows.as_page(LinkRead)


_PERSONAL_FIELDS = tuple(
    name
    for name in StakeholderPersonal.model_fields
    if name not in {"view", "contactable", "contact"}
)


async def create_link(
    session: AsyncSession,
    *,
    stakeholder: Stakeholder,
    data: LinkCreate,
    actor: Principal,
    projects: ProjectsClient,
) -> ProjectLink:
    """Only onto a project the caller may write to, of a stakeholder they may write to, with an
    owner from the project's team (an admin may name anyone): a link is what grants access to
    the person's data, so nobody makes one for a team they are not on or a stranger's record.

    A caller limited to their teams is asked about once: the new project and the person's
    projects in one question, which both checks below then read."""
    PROJECT_WORK.require_role(actor)
    if not PROJECT_WORK.writes_anywhere(actor):
        linked = await repository.linked_project_ids(session, stakeholder.id)
        await projects.active_projects(actor.subject, {data.project_id, *linked})
    await require_new_project_write(actor, projects, [data.project_id])
    await require_stakeholder_write(
        session, principal=actor, teams=projects, stakeholder=stakeholder
    )
    ensure_not_erased(stakeholder)
    if await repository.find_link(session, stakeholder.id, data.project_id, data.role_in_project):
        raise DuplicateLink(f"Already linked to project {data.project_id} in this role.")
    await _check_owner(
        projects, actor=actor, owner=data.relationship_owner, project=data.project_id
    )
    link = ProjectLink(
        stakeholder_id=stakeholder.id,
        created_by=actor.subject,
        owner_set_by_admin=actor.is_admin,
        **data.model_dump(),
    )
    session.add(link)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent duplicate
        raise DuplicateLink(f"Already linked to project {data.project_id} in this role.") from exc
    return link


async def _check_owner(
    projects: ProjectsClient, *, actor: Principal, owner: str, project: uuid.UUID
) -> None:
    if actor.is_admin:
        return
    if owner == actor.subject and not PROJECT_WORK.writes_anywhere(actor):
        return  # the write rule has just found the caller on this team
    await require_owner_on_team(projects, owner=owner, project_id=project)


async def update_link(
    session: AsyncSession,
    link: ProjectLink,
    *,
    patch: LinkPatch,
    actor: Principal,
    projects: ProjectsClient,
) -> ProjectLink:
    await require_project_write(actor, projects, [link.project_id])
    changes = merge_patch_changes(patch, required=("relationship_owner",))
    if "relationship_owner" in changes:
        owner = changes["relationship_owner"]
        await _check_owner(projects, actor=actor, owner=owner, project=link.project_id)
        changes["owner_set_by_admin"] = actor.is_admin
        orphans.adopt(link, changes)
    apply_changes(link, changes)
    await session.flush()
    return link


async def delete_link(
    session: AsyncSession, link: ProjectLink, *, actor: Principal, projects: ProjectsClient
) -> None:
    await require_project_write(actor, projects, [link.project_id])
    await repository.delete_link(session, link)


async def contact_for_contacting(session: AsyncSession, stakeholder: Stakeholder) -> ContactRead:
    ensure_not_erased(stakeholder)
    if stakeholder.contact is None:
        raise NoContactDetails(f"Stakeholder {stakeholder.id} has no contact details.")
    consent = await privacy.current_consent(
        session, stakeholder.id, purpose=ConsentPurpose.contact_for_engagement, now=utcnow()
    )
    if consent is None:
        raise ContactConsentMissing(
            "There is no current consent to contact this person (none given, or withdrawn or "
            "expired)."
        )
    return ContactRead.model_validate(stakeholder.contact)
