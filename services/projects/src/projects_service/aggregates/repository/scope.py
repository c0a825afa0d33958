"""The project scope of another service's export: the ids of the projects the exports'
filters select, live or as they stood at `as_of`, with the very conditions the projects
exports apply (`projects_service.exports.scope`), read at most `limit` at a time."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncGenerator
from typing import Any, cast

from sqlalchemy import select

from projects_service.exports.scope import project_conditions, project_matches
from projects_service.projects.models import Project
from shared.exports.catalog import ExportContext
from shared.exports.history import states_as_of


async def project_ids(ctx: ExportContext, *, limit: int) -> list[uuid.UUID]:
    """Up to `limit` ids (in id order) of the projects `ctx.filters` select: from the table
    now, or from the projects' history snapshots at `ctx.as_of`. A caller asks for one more
    than it accepts to tell "exactly the bound" from "too many"."""
    if ctx.as_of is None:
        statement = (
            select(Project.id).where(*project_conditions(ctx)).order_by(Project.id).limit(limit)
        )
        return list((await ctx.connection.scalars(statement)).all())
    found: list[uuid.UUID] = []
    # Closed on the early return, so the streamed read ends before the session goes on.
    states = cast(AsyncGenerator[dict[str, Any]], states_as_of(ctx, "project"))
    async with contextlib.aclosing(states):
        async for record in states:
            if project_matches(record, ctx):
                found.append(uuid.UUID(str(record["id"])))
                if len(found) >= limit:
                    break
    return sorted(found)
