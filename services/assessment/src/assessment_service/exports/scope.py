"""`directorate` / `stage` filters: projects live in the projects service, so they are resolved
to project ids once per export, before streaming, with one bounded call to its list."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request

from assessment_service.clients.projects import MAX_IDS_PER_CALL, projects_client
from shared.auth import Principal
from shared.problems import FieldError, InvalidInput


async def resolve_projects(
    request: Request, principal: Principal, filters: Mapping[str, tuple[str, ...]]
) -> frozenset[str] | None:
    """The ids of the projects matching `directorate` and `stage` (None when neither is
    asked). More matches than one page of the projects list is a 422 asking for a narrower
    filter, never a silently partial export."""
    directorate = filters.get("directorate")
    stage = filters.get("stage")
    if not directorate and not stage:
        return None
    ids, complete = await projects_client(request).matching(
        directorate=directorate[0] if directorate else None,
        stage=stage[0] if stage else None,
    )
    if not complete:
        names = [name for name in ("directorate", "stage") if filters.get(name)]
        raise InvalidInput(
            f"More than {MAX_IDS_PER_CALL} projects match; narrow the filter or name the"
            " projects with project_id.",
            errors=[
                FieldError(
                    pointer=f"/{name}", location="query", detail="Matches too many projects."
                )
                for name in names
            ],
        )
    return frozenset(str(project_id) for project_id in ids)
