"""The exports' project filters resolved to project ids, once per export before it streams:
`project_id` as given, `directorate` and `stage` by asking the projects service (which owns
them) through this service's one client."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from fastapi import Request

from shared.auth import Principal
from shared.problems import FieldError, InvalidInput
from stakeholders_service.clients.projects import MAX_SCOPE_PAIRS, get_projects_client


class TooManyScopePairs(InvalidInput):
    slug = "too-many-project-filters"
    title = "Too many directorate and stage combinations"


async def resolve_scope(
    request: Request, _: Principal, filters: Mapping[str, tuple[str, ...]]
) -> frozenset[str] | None:
    """The ids (canonical strings) of the projects the filters select; None without any."""
    named = frozenset(str(uuid.UUID(value)) for value in filters.get("project_id", ()))
    directorates, stages = filters.get("directorate", ()), filters.get("stage", ())
    if not directorates and not stages:
        return named or None
    if max(len(directorates), 1) * max(len(stages), 1) > MAX_SCOPE_PAIRS:
        raise TooManyScopePairs(
            f"Ask for at most {MAX_SCOPE_PAIRS} directorate and stage combinations.",
            errors=[
                FieldError(
                    pointer="/directorate",
                    location="query",
                    detail="Fewer directorates or stages.",
                )
            ],
        )
    client = get_projects_client(request)
    found = frozenset(
        str(project) for project in await client.in_scope(directorates=directorates, stages=stages)
    )
    return found & named if named else found
