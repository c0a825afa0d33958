"""The projects service as this service sees it: `GET /v1/projects/{id}` over REST, typed.

The client forwards the caller's token and request id (shared.http). A missing project is the
caller's mistake (422 on the field that named it); an unreachable projects service is a 503
problem raised by the client itself.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.http import BadGateway, ServiceClient


class ProjectSnapshot(BaseModel):
    """The fields of a project an assessment pins in its context snapshot."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    reference: str | None = None
    title: str
    stage: str
    status: str = "active"
    is_digital: bool
    innovation_type: str | None = None


class ProjectsClient:
    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def get_project(self, project_id: uuid.UUID) -> ProjectSnapshot | None:
        """The project, or None if the projects service does not know it."""
        body = await self.client.fetch_json(f"/v1/projects/{project_id}")
        if body is None:
            return None
        try:
            return ProjectSnapshot.model_validate(body)
        except ValidationError as exc:
            raise BadGateway("The projects service answered with an unexpected body.") from exc


def get_projects_client(request: Request) -> ProjectsClient:
    return ProjectsClient(request.app.state.clients["projects"])


ProjectsClientDep = Annotated[ProjectsClient, Depends(get_projects_client)]
