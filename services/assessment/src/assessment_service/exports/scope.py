"""`directorate` / `stage` filters: projects live in the projects service, so they are resolved
to project ids once per export, before streaming, with ONE call to its project scope
(`POST /v1/aggregates/project-scope`), which filters with the projects exports' own code and,
for an `as_of` export, by the projects as they stood then."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from fastapi import Request

from assessment_service.clients.projects import projects_client
from shared.auth import Principal


async def resolve_projects(
    request: Request,
    principal: Principal,
    filters: Mapping[str, tuple[str, ...]],
    as_of: dt.datetime | None,
) -> frozenset[str] | None:
    """The ids of the projects matching `directorate` and `stage` at the export's moment (None
    when neither is asked). More matches than the projects service answers (20,000) is its 422
    on these filters, never a silently partial export."""
    directorate = filters.get("directorate", ())
    stage = filters.get("stage", ())
    if not directorate and not stage:
        return None
    client = await projects_client(request)
    ids = await client.project_scope(directorate=directorate, stage=stage, as_of=as_of)
    return frozenset(str(project_id) for project_id in ids)
