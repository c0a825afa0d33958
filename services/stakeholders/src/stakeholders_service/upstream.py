"""The projects service as this service needs it: do projects exist, whose teams is a caller on,
and the write rule (`shared.project_access.PROJECT_WORK`) applied to the projects a write touches.

Only the projects service's public REST API is used (never its code), through
`shared.project_access.ProjectsLookup`: as this service, one call per set of projects.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Annotated

from fastapi import Depends, Request

from shared.auth import Principal
from shared.http import ServiceClient
from shared.problems import FieldError, InvalidInput
from shared.project_access import PROJECT_WORK, ProjectsLookup


class UnknownProject(InvalidInput):
    slug = "unknown-project"
    title = "The project does not exist"


class RelationshipOwnerNotOnTeam(InvalidInput):
    slug = "relationship-owner-not-on-team"
    title = "The relationship owner must be an active member of the project's team"


def projects_client(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.clients["projects"]
    return client


def projects_lookup(client: Annotated[ServiceClient, Depends(projects_client)]) -> ProjectsLookup:
    return ProjectsLookup(client)


ProjectsDep = Annotated[ProjectsLookup, Depends(projects_lookup)]


async def require_projects(
    lookup: ProjectsLookup, project_ids: Iterable[uuid.UUID], *, pointer: str = "/project_id"
) -> None:
    """422 naming the field when a referenced project does not exist; 503 when unreachable."""
    wanted = list(dict.fromkeys(project_ids))
    existing = await lookup.existing(wanted)
    for index, project_id in enumerate(wanted):
        if project_id not in existing:
            where = pointer if pointer.endswith("_id") else f"{pointer}/{index}"
            raise UnknownProject(
                f"No project with id {project_id}.",
                errors=[FieldError(pointer=where, location="body", detail="No such project.")],
            )


async def require_new_project_write(
    principal: Principal,
    lookup: ProjectsLookup,
    project_ids: Sequence[uuid.UUID],
    *,
    pointer: str = "/project_id",
) -> None:
    """A write naming projects: the caller may write to each (403), and each exists (422).

    For a caller limited to their teams, being listed on each team proves the projects exist
    (one call); a caller who writes anywhere has them checked for existence instead."""
    PROJECT_WORK.require_role(principal)
    if PROJECT_WORK.writes_anywhere(principal):
        await require_projects(lookup, project_ids, pointer=pointer)
    else:
        await PROJECT_WORK.require(principal, project_ids, lookup)


async def require_project_write(
    principal: Principal, lookup: ProjectsLookup, project_ids: Iterable[uuid.UUID]
) -> None:
    """A write to a record of existing projects: the caller may write to each of them (403)."""
    await PROJECT_WORK.require(principal, project_ids, lookup)


async def require_owner_on_team(
    lookup: ProjectsLookup, *, owner: str, project_id: uuid.UUID
) -> None:
    """422 at `/relationship_owner` unless `owner` is an active member of the project's team."""
    if project_id not in await lookup.active_projects(owner, [project_id]):
        raise RelationshipOwnerNotOnTeam(
            "Name an active member of the project's team (an admin may name anyone).",
            errors=[
                FieldError(
                    pointer="/relationship_owner",
                    location="body",
                    detail="Not an active member of this project's team.",
                )
            ],
        )
