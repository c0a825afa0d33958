"""`ProjectWriterDep`: the one check behind every write to a project and what it holds.

Governance (and admin) write anywhere. Contributors and evaluators write only to projects where
their token subject is an active team member today. Archived projects are read-only for all."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectArchived
from projects_service.projects.models import ProjectStatus
from projects_service.sql import today
from projects_service.team import repository
from projects_service.team.errors import NotATeamMember
from shared.auth import Principal, PrincipalDep, Role
from shared.db import SessionDep
from shared.problems import Forbidden

UNRESTRICTED = (Role.governance, Role.admin)
MEMBER_RESTRICTED = (Role.contributor, Role.evaluator)


async def require_project_writer(
    project: ProjectDep, principal: PrincipalDep, session: SessionDep
) -> Principal:
    if principal.has_any(*UNRESTRICTED):
        pass
    elif principal.has_any(*MEMBER_RESTRICTED):
        member = await repository.is_active_member(
            session, project_id=project.id, subject=principal.subject, day=today()
        )
        if not member:
            raise NotATeamMember(
                f"{principal.subject} is not an active team member of {project.reference}."
            )
    else:
        raise Forbidden("Writing to a project needs the governance, contributor or evaluator role.")
    if project.status is ProjectStatus.archived:
        raise ProjectArchived("Archived projects are read-only.")
    return principal


ProjectWriterDep = Annotated[Principal, Depends(require_project_writer)]
