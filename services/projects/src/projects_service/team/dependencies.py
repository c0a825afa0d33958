"""`ProjectWriterDep`: the one check behind every write to a project and what it holds; and
`MembershipDep`, the loader of one membership (or 404).

The rule is `shared.project_access.PROJECT_WORK`, the same one the other services apply:
governance (and admin) write anywhere; contributors and evaluators only to projects where their
token subject is an active team member today, answered here from this service's own table.
Archived projects are read-only for all."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived
from projects_service.projects.models import ProjectStatus
from projects_service.sql import today
from projects_service.team import repository
from projects_service.team.errors import MembershipNotFound
from projects_service.team.models import TeamMembership
from shared.auth import Principal, PrincipalDep
from shared.db import SessionDep
from shared.project_access import PROJECT_WORK


class RepositoryTeams:
    """`ProjectTeams` answered from this service's team table."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_projects(
        self, subject: str, project_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        return await repository.active_projects(
            self.session, subject=subject, project_ids=project_ids, day=today()
        )


async def require_project_writer(
    project: ProjectDep, principal: PrincipalDep, session: SessionDep
) -> Principal:
    await PROJECT_WORK.require(
        principal, [project.id], RepositoryTeams(session), labels={project.id: project.reference}
    )
    if project.status is ProjectStatus.archived:
        raise ProjectArchived("Archived projects are read-only.")
    return principal


ProjectWriterDep = Annotated[Principal, Depends(require_project_writer)]


async def get_membership_or_404(
    project: ProjectDep, membership_id: uuid.UUID, session: SessionDep
) -> TeamMembership:
    membership = await repository.get(session, project.id, membership_id)
    if membership is None:
        raise MembershipNotFound(f"No membership {membership_id} on {project.reference}.")
    return membership


MembershipDep = Annotated[TeamMembership, Depends(get_membership_or_404)]
