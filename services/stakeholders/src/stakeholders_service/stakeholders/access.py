"""Who may receive a stakeholder's personal data (names, contacts, equality answers).

Personal data leaves this service only to `admin`, to the stakeholder's relationship owner
(any of their project links) and to the active team of a project the stakeholder is linked to
(asked of the projects service). `reporter`, `viewer` and `service` callers never receive it,
whatever else holds; every other caller gets the restricted representation.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, Role
from shared.http import ServiceClient
from stakeholders_service.stakeholders import repository
from stakeholders_service.upstream import on_project_team

NEVER_PERSONAL = (Role.reporter, Role.viewer, Role.service)


def barred(principal: Principal) -> bool:
    """True for callers that never receive personal data."""
    return not principal.is_admin and principal.has_any(*NEVER_PERSONAL)


async def personal_ids(
    session: AsyncSession,
    *,
    principal: Principal,
    client: ServiceClient,
    stakeholder_ids: Collection[uuid.UUID],
) -> set[uuid.UUID]:
    """The subset of `stakeholder_ids` whose personal data this caller may receive."""
    if principal.is_admin:
        return set(stakeholder_ids)
    if barred(principal) or not stakeholder_ids:
        return set()
    links = await repository.links_for(session, stakeholder_ids)
    allowed = {
        link.stakeholder_id for link in links if link.relationship_owner == principal.subject
    }
    # One team question per distinct project (not per stakeholder): no N+1 upstream calls.
    projects = {link.project_id for link in links if link.stakeholder_id not in allowed}
    teams = {p for p in sorted(projects) if await on_project_team(client, p, principal.subject)}
    allowed |= {link.stakeholder_id for link in links if link.project_id in teams}
    return allowed
