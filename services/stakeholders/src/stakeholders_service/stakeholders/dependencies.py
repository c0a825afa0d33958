"""Stakeholders: the path-parameter dependencies that load one or a link or answer 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from shared.db import SessionDep
from stakeholders_service.clients.projects import ProjectsDep
from stakeholders_service.stakeholders import repository
from stakeholders_service.stakeholders.errors import LinkNotFound, StakeholderNotFound
from stakeholders_service.stakeholders.models import ProjectLink, Stakeholder


async def get_stakeholder_or_404(stakeholder_id: uuid.UUID, session: SessionDep) -> Stakeholder:
    stakeholder = await repository.get(session, stakeholder_id)
    if stakeholder is None:
        raise StakeholderNotFound(f"No stakeholder with id {stakeholder_id}.")
    return stakeholder


async def get_link_or_404(
    stakeholder: Annotated[Stakeholder, Depends(get_stakeholder_or_404)],
    link_id: uuid.UUID,
    session: SessionDep,
) -> ProjectLink:
    link = await repository.get_link(session, link_id)
    if link is None or link.stakeholder_id != stakeholder.id:
        raise LinkNotFound(f"No link {link_id} on stakeholder {stakeholder.id}.")
    return link


# `ProjectsDep` is re-exported for the routes of the other domains that load a stakeholder.
__all__ = ["LinkDep", "ProjectsDep", "StakeholderDep", "get_stakeholder_or_404"]

StakeholderDep = Annotated[Stakeholder, Depends(get_stakeholder_or_404)]
LinkDep = Annotated[ProjectLink, Depends(get_link_or_404)]
