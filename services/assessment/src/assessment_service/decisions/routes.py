"""Decisions: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from assessment_service.decisions import service
from assessment_service.decisions.dependencies import DecisionDep
from assessment_service.decisions.errors import (
    AssessmentNotReadyForDecision,
    CitedItemNotFound,
    ConditionNotFound,
    ConditionsRequired,
    DecisionAlreadyRecorded,
    DecisionAlreadySuperseded,
    DecisionNotFound,
    InvalidSupersession,
    OutcomeNotValidForGate,
    OverrideRationaleRequired,
)
from assessment_service.decisions.models import (
    ConditionStatus,
    Decision,
    DecisionCondition,
    DecisionStatus,
)
from assessment_service.decisions.schemas import (
    ConditionRead,
    ConditionTransition,
    DecisionCreate,
    DecisionRead,
    DecisionSummary,
    OverrideSummary,
)
from assessment_service.frameworks.definition import Gate, Outcome
from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.etag import (
    PreconditionFailed,
    check_if_match,
    conditional_get,
    mark_created,
    mark_version,
)
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import InvalidInput, problem_responses
from shared.transitions import IllegalTransition
from shared.types import Date, QueryBool, UtcDateTime

router = APIRouter(prefix="/v1/decisions", tags=["decisions"])

# Decisions are the governance board's: only `governance` (and admins) record them.
Governance = Annotated[Principal, Depends(require_roles(Role.governance))]
DecisionPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"decided_at": Decision.decided_at, "updated_at": Decision.updated_at}
        )
    ),
]
ConditionPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"due_date": DecisionCondition.due_date, "updated_at": DecisionCondition.updated_at}
        )
    ),
]


def _read(decision: Decision, actor: Principal) -> DecisionRead:
    conditions = [service.present_condition(c, actor) for c in decision.conditions]
    return DecisionRead.model_validate(
        {
            **{name: getattr(decision, name) for name in DecisionRead.model_fields},
            "conditions": conditions,
        }
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        InvalidInput,
        AssessmentNotReadyForDecision,
        DecisionAlreadyRecorded,
        DecisionAlreadySuperseded,
        InvalidSupersession,
        OverrideRationaleRequired,
        ConditionsRequired,
        OutcomeNotValidForGate,
        CitedItemNotFound,
    ),
)
async def record_decision(
    data: DecisionCreate, session: SessionDep, actor: Governance, response: Response
) -> DecisionRead:
    """Record the board's decision on a scored assessment, beside the computed recommendation
    (an override needs a rationale). A correction supersedes the current decision. Emits
    `decision.recorded`, on which the projects service moves the project's stage."""
    decision = await service.record_decision(session, data=data, actor=actor)
    mark_created(response, f"{router.prefix}/{decision.id}", decision.version)
    return _read(decision, actor)


@router.get("", responses=problem_responses())
async def list_decisions(
    session: SessionDep,
    _: PrincipalDep,
    pagination: DecisionPagination,
    project_id: uuid.UUID | None = None,
    assessment_id: uuid.UUID | None = None,
    gate: Gate | None = None,
    outcome: Outcome | None = None,
    status_: Annotated[DecisionStatus | None, Query(alias="status")] = None,
    overridden: QueryBool | None = None,
    forum: Annotated[
        str | None, Query(max_length=200, description="Decided in this forum (exact).")
    ] = None,
    meeting_date: Annotated[
        Date | None, Query(description="At the forum's meeting on this date.")
    ] = None,
) -> Page[DecisionSummary]:
    """Decisions; `?forum=&meeting_date=` gives one meeting's decisions (the board pack)."""
    return await service.list_decisions(
        session,
        pagination,
        project_id=project_id,
        assessment_id=assessment_id,
        gate=gate,
        outcome=outcome,
        status=status_,
        overridden=overridden,
        forum=forum,
        meeting_date=meeting_date,
    )


@router.get("/conditions", responses=problem_responses())
async def list_conditions(
    session: SessionDep,
    actor: PrincipalDep,
    pagination: ConditionPagination,
    project_id: uuid.UUID | None = None,
    status_: Annotated[ConditionStatus | None, Query(alias="status")] = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    overdue: Annotated[
        QueryBool, Query(description="Only open conditions past their due date (as of `as_of`).")
    ] = False,
    as_of: Annotated[Date | None, Query(description="Defaults to today (UTC).")] = None,
) -> Page[ConditionRead]:
    """Decision conditions; `?overdue=true` gives the open conditions past due."""
    return await service.list_conditions(
        session,
        pagination,
        actor=actor,
        project_id=project_id,
        status=status_,
        owner=owner,
        overdue=overdue,
        as_of=as_of,
    )


@router.get("/override-summary", responses=problem_responses())
async def get_override_summary(
    session: SessionDep,
    _: PrincipalDep,
    decided_from: Annotated[UtcDateTime | None, Query(alias="from")] = None,
    decided_to: Annotated[UtcDateTime | None, Query(alias="to")] = None,
) -> OverrideSummary:
    """Decisions against recommendations: how often the board overrides, by gate and pair."""
    return await service.override_summary(session, decided_from=decided_from, decided_to=decided_to)


@router.get("/{decision_id}", responses=problem_responses(DecisionNotFound, 304))
async def get_decision(
    decision: DecisionDep, actor: PrincipalDep, request: Request, response: Response
) -> DecisionRead:
    conditional_get(request, response, decision.version)
    return _read(decision, actor)


@router.post(
    "/{decision_id}/conditions/{condition_id}/transitions",
    responses=problem_responses(
        DecisionNotFound, ConditionNotFound, IllegalTransition, PreconditionFailed
    ),
)
async def transition_condition(
    decision: DecisionDep,
    condition_id: uuid.UUID,
    data: ConditionTransition,
    session: SessionDep,
    actor: Governance,
    request: Request,
    response: Response,
) -> DecisionRead:
    """Close an open condition as `met`, `waived` or `breached` (`reason` becomes its note; the
    decision itself is never edited): 200 with the decision as it now is, where each condition
    lists its `allowed_transitions`. When none is open any more, the decision is `closed`. A
    closed condition moves no further (409 `illegal-transition`). `If-Match` takes the
    decision's ETag."""
    check_if_match(request, decision.version)
    decision = await service.transition_condition(
        session, decision, condition_id=condition_id, to=data.to, reason=data.reason
    )
    mark_version(response, decision.version)
    return _read(decision, actor)
