"""Calls to the projects service: does a project exist, is a caller on its team.

Only the projects service's public REST API is used (never its code). Calls go with this
service's own token, so the answer does not depend on the caller's role.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from fastapi import Request

from shared.http import ServiceClient
from shared.problems import FieldError, InvalidInput


class UnknownProject(InvalidInput):
    slug = "unknown-project"
    title = "The project does not exist"


def projects_client(request: Request) -> ServiceClient:
    client: ServiceClient = request.app.state.clients["projects"]
    return client


async def project_exists(client: ServiceClient, project_id: uuid.UUID) -> bool:
    return await client.fetch_json(f"/v1/projects/{project_id}", as_service=True) is not None


async def require_projects(
    client: ServiceClient, project_ids: Iterable[uuid.UUID], *, pointer: str = "/project_id"
) -> None:
    """422 naming the field when a referenced project does not exist; 503 when unreachable."""
    for index, project_id in enumerate(dict.fromkeys(project_ids)):
        if not await project_exists(client, project_id):
            where = pointer if pointer.endswith("_id") else f"{pointer}/{index}"
            raise UnknownProject(
                f"No project with id {project_id}.",
                errors=[FieldError(pointer=where, location="body", detail="No such project.")],
            )


async def on_project_team(client: ServiceClient, project_id: uuid.UUID, subject: str) -> bool:
    """True when `subject` is an active member of the project's team."""
    page = await client.fetch_json(
        f"/v1/projects/{project_id}/team",
        params={"subject": subject, "active": "true"},
        as_service=True,
    )
    items = page.get("items", []) if isinstance(page, dict) else []
    return any(isinstance(item, dict) and item.get("subject") == subject for item in items)
