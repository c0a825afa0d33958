"""Stakeholders: the queries (stakeholders, contact details, project links)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shared.search import TextSearch
from stakeholders_service.stakeholders.models import (
    ContactDetails,
    ProjectLink,
    RoleInProject,
    Stakeholder,
    StakeholderCategory,
    StakeholderKind,
    StakeholderStatus,
)

# A name search (`?q=`) on the text index the migrations keep (shared.search).
SEARCH = TextSearch("stakeholder", Stakeholder.id, (Stakeholder.display_name,))


async def get(session: AsyncSession, stakeholder_id: uuid.UUID) -> Stakeholder | None:
    return await session.scalar(
        select(Stakeholder)
        .where(Stakeholder.id == stakeholder_id)
        .options(selectinload(Stakeholder.contact))
    )


async def get_contact(session: AsyncSession, stakeholder_id: uuid.UUID) -> ContactDetails | None:
    return await session.scalar(
        select(ContactDetails).where(ContactDetails.stakeholder_id == stakeholder_id)
    )


async def list_statement(
    session: AsyncSession,
    *,
    kind: StakeholderKind | None,
    category: StakeholderCategory | None,
    status: StakeholderStatus | None,
    organisation_id: uuid.UUID | None,
    is_public_contributor: bool | None,
    project_id: uuid.UUID | None,
    name_like: str | None,
    name_within: Collection[uuid.UUID] | None,
) -> Select[Stakeholder]:
    """`name_like` searches names; `name_within`, when set, limits that search to those
    stakeholders (the caller's own relationships, so a name search is no oracle for others)."""
    statement = select(Stakeholder).options(selectinload(Stakeholder.contact))
    for column, value in (
        (Stakeholder.kind, kind),
        (Stakeholder.category, category),
        (Stakeholder.status, status),
        (Stakeholder.organisation_id, organisation_id),
        (Stakeholder.is_public_contributor, is_public_contributor),
    ):
        if value is not None:
            statement = statement.where(column == value)
    if project_id is not None:
        statement = statement.where(
            Stakeholder.id.in_(
                select(ProjectLink.stakeholder_id).where(ProjectLink.project_id == project_id)
            )
        )
    if name_like:
        statement = statement.where(await SEARCH.condition(session, name_like))
        if name_within is not None:
            statement = statement.where(Stakeholder.id.in_(set(name_within)))
    return statement


async def links_for(
    session: AsyncSession, stakeholder_ids: Collection[uuid.UUID]
) -> list[ProjectLink]:
    if not stakeholder_ids:
        return []
    rows = await session.scalars(
        select(ProjectLink).where(ProjectLink.stakeholder_id.in_(stakeholder_ids))
    )
    return list(rows)


async def links_of(session: AsyncSession, stakeholder_id: uuid.UUID) -> list[ProjectLink]:
    """One stakeholder's links, in creation order (the access export)."""
    rows = await session.scalars(links_statement(stakeholder_id).order_by(ProjectLink.id))
    return list(rows)


async def links_owned_by(session: AsyncSession, subject: str) -> list[ProjectLink]:
    rows = await session.scalars(
        select(ProjectLink).where(ProjectLink.relationship_owner == subject)
    )
    return list(rows)


async def linked_project_ids(session: AsyncSession, stakeholder_id: uuid.UUID) -> set[uuid.UUID]:
    rows = await session.scalars(
        select(ProjectLink.project_id).where(ProjectLink.stakeholder_id == stakeholder_id)
    )
    return set(rows)


async def get_link(session: AsyncSession, link_id: uuid.UUID) -> ProjectLink | None:
    return await session.get(ProjectLink, link_id)


async def find_link(
    session: AsyncSession, stakeholder_id: uuid.UUID, project_id: uuid.UUID, role: RoleInProject
) -> ProjectLink | None:
    return await session.scalar(
        select(ProjectLink).where(
            ProjectLink.stakeholder_id == stakeholder_id,
            ProjectLink.project_id == project_id,
            ProjectLink.role_in_project == role,
        )
    )


def links_statement(stakeholder_id: uuid.UUID) -> Select[ProjectLink]:
    return select(ProjectLink).where(ProjectLink.stakeholder_id == stakeholder_id)


async def delete_link(session: AsyncSession, link: ProjectLink) -> None:
    await session.delete(link)
    await session.flush()


async def delete_contact(session: AsyncSession, contact: ContactDetails) -> None:
    await session.delete(contact)


async def inactive_ids_before(session: AsyncSession, before: dt.datetime) -> list[uuid.UUID]:
    """Inactive stakeholders untouched since before `before` (retention)."""
    rows = await session.scalars(
        select(Stakeholder.id).where(
            Stakeholder.status == StakeholderStatus.inactive, Stakeholder.updated_at < before
        )
    )
    return list(rows)


async def owned_on_project(
    session: AsyncSession, project_id: uuid.UUID, subject: str
) -> list[ProjectLink]:
    """The links of one project whose relationship `subject` owns, not yet orphaned."""
    statement = select(ProjectLink).where(
        ProjectLink.project_id == project_id,
        ProjectLink.relationship_owner == subject,
        ProjectLink.orphaned_on.is_(None),
    )
    return list((await session.scalars(statement.order_by(ProjectLink.id))).all())


async def co_owned(
    session: AsyncSession,
    project_id: uuid.UUID,
    subject: str,
    stakeholder_ids: Collection[uuid.UUID],
) -> set[uuid.UUID]:
    """Which of `stakeholder_ids` have a link to the project owned by someone else too."""
    statement = select(ProjectLink.stakeholder_id).where(
        ProjectLink.project_id == project_id,
        ProjectLink.stakeholder_id.in_(stakeholder_ids),
        ProjectLink.relationship_owner != subject,
    )
    return set((await session.scalars(statement)).all())


def orphaned_statement(
    *, project_id: uuid.UUID | None, former_owner: str | None
) -> Select[ProjectLink]:
    statement = select(ProjectLink).where(ProjectLink.orphaned_on.is_not(None))
    if project_id is not None:
        statement = statement.where(ProjectLink.project_id == project_id)
    if former_owner is not None:
        statement = statement.where(ProjectLink.relationship_owner == former_owner)
    return statement
