"""Who may receive a stakeholder's personal data (names, contacts, equality answers).

Personal data leaves this service only to `admin`, to the active team of a project the
stakeholder is linked to, and to the owner of a link whose owner an admin named. Owning a link
whose owner was checked against the team (anyone but an admin naming them) grants no more than
being on that team: it ends when their membership does, and a link somebody made for
themselves without being on the team grants nothing. `reporter`, `viewer` and `service` callers
never receive it, whatever else holds; every other caller gets the restricted representation.
Whose teams a caller is on is one question to the projects service per request, however many
stakeholders and projects a page holds (`clients.projects.ProjectsClient`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, Role
from shared.project_access import ProjectTeams
from stakeholders_service.clients.projects import ProjectQuestions
from stakeholders_service.stakeholders import repository
from stakeholders_service.stakeholders.models import ProjectLink

NEVER_PERSONAL = (Role.reporter, Role.viewer, Role.service)


def barred(principal: Principal) -> bool:
    """True for callers that never receive personal data."""
    return not principal.is_admin and principal.has_any(*NEVER_PERSONAL)


async def _related(
    links: Collection[ProjectLink], *, principal: Principal, teams: ProjectTeams
) -> set[uuid.UUID]:
    """The stakeholders of `links` this caller has a real relationship with."""
    allowed = {
        link.stakeholder_id
        for link in links
        if link.owner_set_by_admin and link.relationship_owner == principal.subject
    }
    # One team question for every project still deciding (not per stakeholder or project).
    projects = {link.project_id for link in links if link.stakeholder_id not in allowed}
    on_team = await teams.active_projects(principal.subject, projects) if projects else set()
    allowed |= {link.stakeholder_id for link in links if link.project_id in on_team}
    return allowed


async def personal_ids(
    session: AsyncSession,
    *,
    principal: Principal,
    teams: ProjectTeams,
    stakeholder_ids: Collection[uuid.UUID],
) -> set[uuid.UUID]:
    """The subset of `stakeholder_ids` whose personal data this caller may receive."""
    if principal.is_admin:
        return set(stakeholder_ids)
    if barred(principal) or not stakeholder_ids:
        return set()
    links = await repository.links_for(session, stakeholder_ids)
    return await _related(links, principal=principal, teams=teams)


async def owned_ids(
    session: AsyncSession, *, principal: Principal, teams: ProjectQuestions
) -> set[uuid.UUID]:
    """The stakeholders whose relationship this caller really owns (the scope of a name
    search): an admin named them owner, or they own a link of a project whose team they are on.

    Asks for every team the caller is on (not only those of the owned links): the page the
    search then finds is answered from the same answer, so a search is one call too."""
    links = await repository.links_owned_by(session, principal.subject)
    admin_named = [link for link in links if link.owner_set_by_admin]
    on_team = await teams.team_projects(principal.subject) if links else set()
    return {link.stakeholder_id for link in admin_named} | {
        link.stakeholder_id for link in links if link.project_id in on_team
    }
