"""The stakeholders service as the reports see it: the one typed client for it.

- `engagement(scope, project_ids)`: `POST /v1/aggregates/engagement` (a safe read sent as POST
  for the project set): engagement coverage per project, relationship ownership per person,
  inclusivity;
- `project_engagement(project_id, as_of, period_from)`: `POST /v1/aggregates/project-engagement`,
  one project's engagement and involvement at a moment (an evidence pack, a dossier).

Personal data stays there: the reports ask for counts and categories, and the service decides
what this caller may see (the caller's token is forwarded; see `clients.base`). Errors as
described there (404 → None, 403, 422, anything else an `UpstreamFailure` naming the service).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Request

from reporting_service.clients.assessment import aggregate_body
from reporting_service.clients.base import Upstream
from reporting_service.clients.projects import instant
from reporting_service.clients.stakeholders_schemas import EngagementAggregate, ProjectEngagement
from reporting_service.scope import Scope


class StakeholdersClient:
    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream

    @property
    def name(self) -> str:
        return self.upstream.name

    async def engagement(
        self, scope: Scope, project_ids: Sequence[uuid.UUID] | None
    ) -> EngagementAggregate:
        return await self.upstream.post(
            "/v1/aggregates/engagement", EngagementAggregate, aggregate_body(scope, project_ids)
        )

    async def project_engagement(
        self, project_id: uuid.UUID, as_of: dt.datetime, period_from: dt.datetime | None
    ) -> ProjectEngagement:
        body: dict[str, Any] = {"project_id": str(project_id), "as_of": instant(as_of)}
        if period_from is not None:
            body["from"] = instant(period_from)
        return await self.upstream.post(
            "/v1/aggregates/project-engagement", ProjectEngagement, body
        )


async def stakeholders_client(request: Request) -> StakeholdersClient:
    """The client for a request: the caller's token is forwarded."""
    return StakeholdersClient(Upstream(request.app.state.clients["stakeholders"]))


StakeholdersClientDep = Annotated[StakeholdersClient, Depends(stakeholders_client)]
