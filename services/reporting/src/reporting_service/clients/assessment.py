"""The assessment service as the reports see it: the one typed client for it.

- `governance(scope, project_ids)`: `POST /v1/aggregates/governance` (a safe read sent as POST
  for the project set): latest decision outcomes, overrides per gate, conditions, evaluations;
- `decision(id)`: `GET /v1/decisions/{id}` (which project, when);
- `decision_evidence(id, as_of)`: `GET /v1/aggregates/decisions/{id}/evidence`, the
  assessment side of an evidence pack;
- `decisions(...)`, `assessments(...)`, `open_conditions(...)`, `evaluations(project_id)`,
  `timeline(evaluation_id, ...)`: one page (up to 200) of each list, one call each.

Token rule: every call forwards the caller's token (see `clients.base`); errors as described
there (404 → None, 403, 422, anything else an `UpstreamFailure` naming the service).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, Request

from reporting_service.clients.assessment_schemas import (
    AssessmentPage,
    ConditionPage,
    DecisionEvidence,
    DecisionPage,
    DecisionSummary,
    EvaluationPage,
    GovernanceAggregate,
    TimelinePage,
)
from reporting_service.clients.base import Upstream
from reporting_service.clients.projects import PAGE, instant
from reporting_service.scope import Scope


def aggregate_body(scope: Scope, project_ids: Sequence[uuid.UUID] | None) -> dict[str, Any]:
    """The body every `POST /v1/aggregates/...` takes (null project ids: every project)."""
    return {
        "as_of": instant(scope.as_of),
        "from": instant(scope.period.from_),
        "to": instant(scope.period.to),
        "project_ids": None if project_ids is None else [str(i) for i in project_ids],
    }


class AssessmentClient:
    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream

    @property
    def name(self) -> str:
        return self.upstream.name

    async def governance(
        self, scope: Scope, project_ids: Sequence[uuid.UUID] | None
    ) -> GovernanceAggregate:
        return await self.upstream.post(
            "/v1/aggregates/governance", GovernanceAggregate, aggregate_body(scope, project_ids)
        )

    async def decision(self, decision_id: uuid.UUID) -> DecisionSummary | None:
        return await self.upstream.read(f"/v1/decisions/{decision_id}", DecisionSummary)

    async def decision_evidence(
        self, decision_id: uuid.UUID, as_of: dt.datetime, period_from: dt.datetime | None = None
    ) -> DecisionEvidence | None:
        params = {"as_of": instant(as_of)}
        if period_from is not None:
            params["from"] = instant(period_from)
        return await self.upstream.read(
            f"/v1/aggregates/decisions/{decision_id}/evidence", DecisionEvidence, params=params
        )

    async def decisions(
        self,
        *,
        project_id: uuid.UUID | None = None,
        forum: str | None = None,
        meeting_date: dt.date | None = None,
    ) -> DecisionPage:
        # Newest first: a period's page holds its latest decisions.
        params: dict[str, Any] = {"limit": PAGE, "sort": "-decided_at"}
        if project_id is not None:
            params["project_id"] = str(project_id)
        if forum is not None:
            params["forum"] = forum
        if meeting_date is not None:
            params["meeting_date"] = meeting_date.isoformat()
        return await self.upstream.need("/v1/decisions", DecisionPage, params=params)

    async def assessments(
        self, *, status: str | None = None, project_id: uuid.UUID | None = None
    ) -> AssessmentPage:
        params: dict[str, Any] = {"limit": PAGE}
        if status is not None:
            params["status"] = status
        if project_id is not None:
            params["project_id"] = str(project_id)
        return await self.upstream.need("/v1/assessments", AssessmentPage, params=params)

    async def open_conditions(self, as_of: dt.datetime, *, overdue: bool) -> ConditionPage:
        # The conditions list reads `as_of` as a day (due dates are days).
        params: dict[str, Any] = {
            "status": "open",
            "as_of": as_of.date().isoformat(),
            "limit": PAGE,
            "sort": "due_date",
        }
        if overdue:
            params["overdue"] = "true"
        return await self.upstream.need("/v1/decisions/conditions", ConditionPage, params=params)

    async def evaluations(self, project_id: uuid.UUID) -> EvaluationPage:
        return await self.upstream.need(
            "/v1/evaluation/evaluations",
            EvaluationPage,
            params={"project_id": str(project_id), "limit": PAGE},
        )

    async def timeline(self, evaluation_id: uuid.UUID, as_of: dt.datetime) -> TimelinePage:
        return await self.upstream.need(
            f"/v1/evaluation/evaluations/{evaluation_id}/timeline",
            TimelinePage,
            params={"as_of": instant(as_of), "limit": PAGE},
        )


async def assessment_client(request: Request) -> AssessmentClient:
    """The client for a request: the caller's token is forwarded."""
    return AssessmentClient(Upstream(request.app.state.clients["assessment"]))


AssessmentClientDep = Annotated[AssessmentClient, Depends(assessment_client)]
