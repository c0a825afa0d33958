"""Aggregates: HTTP routes (thin) at `/v1/aggregates/...`, read by the reporting service.

Not routed by the gateway: the public face of these figures is `/api/v1/reports`. The
governance read is a POST only because its project set can be large; it is safe and idempotent,
and runs in a read-only session.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from assessment_service.aggregates.dependencies import Reader, ReadSessionDep
from assessment_service.aggregates.errors import AsOfInFuture, InvalidPeriod
from assessment_service.aggregates.evidence_schemas import DecisionEvidence
from assessment_service.aggregates.schemas import AggregateQuery, GovernanceAggregate
from assessment_service.aggregates.service import evidence, governance
from assessment_service.decisions.errors import DecisionNotFound
from shared.db import SessionDep
from shared.problems import problem_responses
from shared.types import UtcDateTime

router = APIRouter(prefix="/v1/aggregates", tags=["aggregates"])


@router.post("/governance", responses=problem_responses(AsOfInFuture, InvalidPeriod))
async def governance_aggregate(
    query: AggregateQuery, session: ReadSessionDep, _: Reader
) -> GovernanceAggregate:
    """The assessment side of the portfolio as of `as_of`: projects by their latest decision's
    outcome, decisions against the recommendation and the override rate per gate in the period,
    open and past-due conditions, developmental evaluations active in the period and pivots.
    Every figure is defined in `definitions`. Governance, admin, reporter, viewer and services
    may read it (it names nobody)."""
    return await governance.governance(session, query)


@router.get(
    "/decisions/{decision_id}/evidence",
    responses=problem_responses(DecisionNotFound, AsOfInFuture, InvalidPeriod),
)
async def decision_evidence(
    decision_id: uuid.UUID,
    session: SessionDep,
    principal: Reader,
    as_of: Annotated[
        UtcDateTime | None,
        Query(
            description="Later changes (condition closures, a correction) as of this instant; "
            "default now. Before the decision was recorded: 404."
        ),
    ] = None,
    period_from: Annotated[
        UtcDateTime | None,
        Query(
            alias="from",
            description="Start of the learning period; default the project's previous "
            "decision on another assessment (none: the evaluation's start).",
        ),
    ] = None,
) -> DecisionEvidence:
    """The assessment side of a decision's evidence pack as it stood when the decision was
    recorded: the decision, the assessment's frozen result with the template name and version,
    every counted assessor's ratings, consensus, spread and outliers per criterion, confidence
    components, failed gates, and the project's developmental-evaluation items in the period
    before the decision. Reporter and viewer read it without names."""
    return await evidence.decision_evidence(
        session, decision_id, principal=principal, as_of=as_of, period_from=period_from
    )
