"""The projects service as the reports see it: the one typed client for it.

- `portfolio(scope)`: `GET /v1/aggregates/portfolio` (the projects-side portfolio figures and
  the ids of the projects the filters select);
- `project(id)`, `team(id)`, `is_active_member(id, subject)`, `stage_history(id)`,
  `benefits(id)`, `attainment_over_time(id, as_of)`, `attainment(id, as_of)`,
  `strategy_coverage(id, as_of)`, `practice_profile(id, as_of)`, `adoption_tracker(id)`: the
  per-project reads of a dossier or an evidence pack, one call each;
- `summaries(ids)`: `GET /v1/projects?id=...` for up to 200 projects in one call (names for a
  board pack).

Token rule: every call forwards the caller's token (see `clients.base`); errors as described
there (404 → None, 403, 422, anything else an `UpstreamFailure` naming the service).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Request

from reporting_service.clients.base import Upstream
from reporting_service.clients.projects_schemas import (
    BenefitPage,
    MembershipPage,
    PortfolioAggregate,
    ProjectDocument,
    ProjectPage,
    ProjectRecord,
    StageChangePage,
)
from reporting_service.scope import Scope

PAGE = 200  # the projects service's largest page: one call per list, never one per item


def instant(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def scope_params(scope: Scope) -> dict[str, Any]:
    """The report's query as the aggregate reads take it (filters left out when not given)."""
    params: dict[str, Any] = {
        "as_of": instant(scope.as_of),
        "from": instant(scope.period.from_),
        "to": instant(scope.period.to),
    }
    params |= {k: str(v) for k, v in scope.filters.model_dump().items() if v is not None}
    return params


class ProjectsClient:
    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream

    @property
    def name(self) -> str:
        return self.upstream.name

    async def portfolio(self, scope: Scope) -> PortfolioAggregate:
        return await self.upstream.need(
            "/v1/aggregates/portfolio", PortfolioAggregate, params=scope_params(scope)
        )

    async def project(self, project_id: uuid.UUID) -> ProjectRecord | None:
        return await self.upstream.read(f"/v1/projects/{project_id}", ProjectRecord)

    async def is_active_member(self, project_id: uuid.UUID, subject: str) -> bool | None:
        """Whether `subject` is on the project's team today; None when there is no project."""
        page = await self.upstream.read(
            f"/v1/projects/{project_id}/team",
            MembershipPage,
            params={"subject": subject, "active": "true", "limit": 1},
        )
        return None if page is None else bool(page.items)

    async def team(self, project_id: uuid.UUID) -> MembershipPage:
        """Every membership, past and present (one page of up to 200)."""
        return await self.upstream.need(
            f"/v1/projects/{project_id}/team", MembershipPage, params={"limit": PAGE}
        )

    async def stage_history(self, project_id: uuid.UUID) -> StageChangePage:
        """The stage changes, oldest first (one page of up to 200)."""
        return await self.upstream.need(
            f"/v1/projects/{project_id}/transitions",
            StageChangePage,
            params={"limit": PAGE, "sort": "occurred_at"},
        )

    async def benefits(self, project_id: uuid.UUID) -> BenefitPage:
        return await self.upstream.need(
            f"/v1/projects/{project_id}/benefits", BenefitPage, params={"limit": PAGE}
        )

    async def attainment_over_time(
        self, project_id: uuid.UUID, as_of: dt.datetime
    ) -> ProjectDocument:
        """Attainment per boundary partner and marker level, journal period by period."""
        return await self.upstream.need(
            f"/v1/aggregates/projects/{project_id}/attainment",
            ProjectDocument,
            params={"as_of": instant(as_of)},
        )

    async def attainment(self, project_id: uuid.UUID, as_of: dt.datetime) -> ProjectDocument:
        """Each marker's latest journal rating as of `as_of`."""
        return await self.upstream.need(
            f"/v1/projects/{project_id}/attainment",
            ProjectDocument,
            params={"as_of": instant(as_of)},
        )

    async def strategy_coverage(self, project_id: uuid.UUID, as_of: dt.datetime) -> ProjectDocument:
        return await self.upstream.need(
            f"/v1/projects/{project_id}/strategy-coverage",
            ProjectDocument,
            params={"as_of": instant(as_of)},
        )

    async def practice_profile(self, project_id: uuid.UUID, as_of: dt.datetime) -> ProjectDocument:
        return await self.upstream.need(
            f"/v1/projects/{project_id}/practice-profile",
            ProjectDocument,
            params={"as_of": instant(as_of)},
        )

    async def adoption_tracker(self, project_id: uuid.UUID) -> ProjectDocument:
        return await self.upstream.need(
            f"/v1/projects/{project_id}/adoption-tracker", ProjectDocument
        )

    async def summaries(self, project_ids: Sequence[uuid.UUID]) -> ProjectPage:
        """Reference, title and stage of up to 200 projects, in one call."""
        ids = sorted(set(project_ids))[:PAGE]
        if not ids:
            return ProjectPage(items=[])
        return await self.upstream.need(
            "/v1/projects", ProjectPage, params={"id": [str(i) for i in ids], "limit": PAGE}
        )


async def projects_client(request: Request) -> ProjectsClient:
    """The client for a request: the caller's token is forwarded."""
    return ProjectsClient(Upstream(request.app.state.clients["projects"]))


ProjectsClientDep = Annotated[ProjectsClient, Depends(projects_client)]
