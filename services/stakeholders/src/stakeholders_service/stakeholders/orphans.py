"""Orphaned relationships (#14 item 7): when a team member's last role on a project ends, the
stakeholder relationships they owned alone there are flagged (`orphaned_on`, the day the role
ends), announced (`relationship.orphaned`, one event per link) and listed for reassignment until
a new owner is named. Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.changes import emit_event
from shared.event_contract import DomainEvent
from shared.pagination import Page, Pagination
from stakeholders_service.stakeholders import repository
from stakeholders_service.stakeholders.models import ProjectLink, RoleInProject
from stakeholders_service.stakeholders.schemas import LinkRead


def _role_end(data: dict[str, Any]) -> tuple[uuid.UUID, str, dt.date] | None:
    """(project, subject, end date) from a `team_membership.role_ended` event, or None."""
    try:
        project_id = uuid.UUID(str(data["project_id"]))
        subject = str(data["subject"])
        end = dt.date.fromisoformat(str(data["end_date"]))
    except (KeyError, ValueError):
        return None
    return project_id, subject, end


class RelationshipOrphaned(DomainEvent, type_="relationship.orphaned", entity="project_link"):
    """A stakeholder relationship lost its only owner (their last role on the project ended):
    listed for reassignment until a new owner is named."""

    project_link_id: uuid.UUID
    stakeholder_id: uuid.UUID
    project_id: uuid.UUID
    role_in_project: RoleInProject
    former_owner: str
    ended_role: str | None
    orphaned_on: dt.date


async def orphan_on_role_end(session: AsyncSession, data: dict[str, Any]) -> str:
    """Flag the relationships the person owned alone on the project, once their last role there
    has ended (`still_on_team` false). A relationship is one stakeholder's links to the project:
    owned alone when no link of it names another owner. Idempotent: flagged links are skipped."""
    parsed = _role_end(data)
    if parsed is None:
        return "not a role end this service can read"
    project_id, subject, end = parsed
    if data.get("still_on_team"):
        return "still on the team: nothing orphaned"
    owned = await repository.owned_on_project(session, project_id, subject)
    shared = await repository.co_owned(
        session, project_id, subject, {link.stakeholder_id for link in owned}
    )
    orphaned = [link for link in owned if link.stakeholder_id not in shared]
    for link in orphaned:
        link.orphaned_on = end
    await session.flush()
    for link in orphaned:
        await emit_event(
            session,
            RelationshipOrphaned(
                project_link_id=link.id,
                stakeholder_id=link.stakeholder_id,
                project_id=link.project_id,
                role_in_project=link.role_in_project,
                former_owner=subject,
                ended_role=data.get("role"),
                orphaned_on=end,
            ),
            entity_id=link.id,
        )
    return f"{len(orphaned)} orphaned, {len(owned) - len(orphaned)} co-owned"


def adopt(link: ProjectLink, changes: dict[str, Any]) -> None:
    """A new owner named for an orphaned link clears the flag (the same owner again does not)."""
    owner = changes.get("relationship_owner")
    if link.orphaned_on is not None and owner is not None and owner != link.relationship_owner:
        changes["orphaned_on"] = None


async def list_orphaned(
    session: AsyncSession,
    pagination: Pagination,
    *,
    project_id: uuid.UUID | None,
    former_owner: str | None,
) -> Page[LinkRead]:
    rows = await pagination.rows(
        session,
        repository.orphaned_statement(project_id=project_id, former_owner=former_owner),
        id_column=ProjectLink.id,
        updated_column=ProjectLink.updated_at,
    )
    return rows.as_page(LinkRead)
