"""Team: rules for memberships (no overlapping duplicate role; the registering founder), the
team list, and the end of a role: recording an end date publishes `team_membership.role_ended`
(the stakeholders service flags the relationships the person then owns alone as orphaned).
Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.projects.models import Project
from projects_service.sql import today
from projects_service.team import repository
from projects_service.team.errors import DuplicateMembership
from projects_service.team.models import Affiliation, TeamMembership, TeamRole
from projects_service.team.schemas import MembershipCreate, MembershipPatch, MembershipRead
from shared.changes import emit_event
from shared.event_contract import DomainEvent
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput

_REQUIRED = ("display_name", "affiliation", "role")


async def list_members(
    session: AsyncSession,
    project: Project,
    pagination: Pagination,
    *,
    subject: str | None,
    active: bool | None,
    role: TeamRole | None,
) -> Page[MembershipRead]:
    """The team, filtered; `active` means on today (start and end dates inclusive)."""
    statement = repository.list_statement(
        project.id, subject=subject, active=active, role=role, day=today()
    )
    rows = await pagination.rows(
        session, statement, id_column=TeamMembership.id, updated_column=TeamMembership.updated_at
    )
    return rows.as_page(MembershipRead)


async def add_member(
    session: AsyncSession, project: Project, *, data: MembershipCreate
) -> TeamMembership:
    membership = TeamMembership(project_id=project.id, **data.model_dump())
    if await repository.overlapping_role(session, membership):
        raise DuplicateMembership(
            f"{data.subject} is already {data.role} on this project for that period."
        )
    repository.add(session, membership)
    await session.flush()
    return membership


async def add_founding_member(
    session: AsyncSession, project: Project, *, subject: str, name: str
) -> None:
    """A contributor who registers a project joins its team, or they could not write to it."""
    repository.add(
        session,
        TeamMembership(
            project_id=project.id,
            subject=subject,
            display_name=name,
            affiliation=Affiliation.other,
            role=TeamRole.member,
            start_date=project.created_at.date(),
        ),
    )
    await session.flush()


async def update_member(
    session: AsyncSession, membership: TeamMembership, *, patch: MembershipPatch
) -> TeamMembership:
    changes = merge_patch_changes(patch, required=_REQUIRED)
    ended_before = membership.end_date
    start = changes.get("start_date", membership.start_date)
    end = changes.get("end_date", membership.end_date)
    if start and end and end < start:
        raise InvalidInput(
            "end_date must not be before start_date.",
            errors=[FieldError(pointer="/end_date", location="body", detail="Before start_date.")],
        )
    apply_changes(membership, changes)
    if {"role", "start_date", "end_date"} & changes.keys() and await repository.overlapping_role(
        session, membership, exclude=membership.id
    ):
        raise DuplicateMembership(
            f"{membership.subject} already holds {membership.role} for that period."
        )
    await session.flush()
    if "end_date" in changes and end is not None and end != ended_before:
        await _announce_role_ended(session, membership, end)
    return membership


class TeamMembershipRoleEnded(
    DomainEvent, type_="team_membership.role_ended", entity="team_membership"
):
    """A team role got its end date; `remaining_roles` are those the person still holds on the
    project after that day (`still_on_team` false when none: their relationships need a new
    owner)."""

    membership_id: uuid.UUID
    project_id: uuid.UUID
    subject: str
    role: TeamRole
    end_date: dt.date
    remaining_roles: list[TeamRole]
    still_on_team: bool


async def _announce_role_ended(
    session: AsyncSession, membership: TeamMembership, end: dt.date
) -> None:
    """`team_membership.role_ended`, with the roles the person still holds on the project
    after that day (`still_on_team` false when none: their relationships need a new owner)."""
    remaining = await repository.roles_held_after(session, membership, end)
    await emit_event(
        session,
        TeamMembershipRoleEnded(
            membership_id=membership.id,
            project_id=membership.project_id,
            subject=membership.subject,
            role=membership.role,
            end_date=end,
            remaining_roles=sorted({TeamRole(m.role) for m in remaining}),
            still_on_team=bool(remaining),
        ),
        entity_id=membership.id,
    )
