"""The exports' project filters resolved to project ids, once per export before it streams:
`project_id` as given, `directorate` and `stage` by ONE call to the projects service's project
scope (it owns them, and filters with its own exports' code), at the export's `as_of`, so an
`as_of` export covers the projects as they stood then, as in every service."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import Request

from shared.auth import Principal
from stakeholders_service.clients.projects import get_projects_client


async def resolve_scope(
    request: Request,
    _: Principal,
    filters: Mapping[str, tuple[str, ...]],
    as_of: dt.datetime | None,
) -> frozenset[str] | None:
    """The ids (canonical strings) of the projects the filters select; None without any."""
    named = frozenset(str(uuid.UUID(value)) for value in filters.get("project_id", ()))
    directorates, stages = filters.get("directorate", ()), filters.get("stage", ())
    if not directorates and not stages:
        return named or None
    found = frozenset(
        str(project)
        for project in await get_projects_client(request).project_scope(
            directorates=directorates, stages=stages, as_of=as_of
        )
    )
    return found & named if named else found


def export_extras(request: Request) -> Mapping[str, Any]:
    """What the row sources read once per export besides the scope (`ctx.extras`): the running
    app's Mendelow threshold, the one its API computes quadrants with."""
    settings = request.app.state.settings
    return {
        "mendelow_threshold": settings.mendelow_threshold,
        "equality_characteristics": settings.equality_characteristics,
    }
