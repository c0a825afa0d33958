"""Decisions: the queries (decisions, conditions, override counts)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from assessment_service.decisions.models import (
    ConditionStatus,
    Decision,
    DecisionCondition,
    DecisionStatus,
)
from assessment_service.evaluation.models import (
    AdaptationDecision,
    DevelopmentalEvaluation,
    Finding,
    LearningLogEntry,
)
from assessment_service.frameworks.definition import Gate, Outcome


async def get(session: AsyncSession, decision_id: uuid.UUID) -> Decision | None:
    return await session.scalar(
        select(Decision)
        .where(Decision.id == decision_id)
        .options(selectinload(Decision.conditions))
    )


def list_statement(
    *,
    project_id: uuid.UUID | None,
    assessment_id: uuid.UUID | None,
    gate: Gate | None,
    outcome: Outcome | None,
    status: DecisionStatus | None,
    overridden: bool | None,
    forum: str | None = None,
    meeting_date: dt.date | None = None,
) -> Select[Decision]:
    statement = select(Decision)
    filters: dict[str, Any] = {
        "project_id": project_id,
        "assessment_id": assessment_id,
        "gate": gate,
        "outcome": outcome,
        "status": status,
        "overridden": overridden,
        "forum": forum,
        "meeting_date": meeting_date,
    }
    for name, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(Decision, name) == value)
    return statement


def conditions_statement(
    *,
    project_id: uuid.UUID | None,
    status: ConditionStatus | None,
    owner: str | None,
    due_before: dt.date | None,
) -> Select[DecisionCondition]:
    statement = select(DecisionCondition)
    if project_id is not None:
        statement = statement.where(DecisionCondition.project_id == project_id)
    if status is not None:
        statement = statement.where(DecisionCondition.status == status)
    if owner is not None:
        statement = statement.where(DecisionCondition.owner == owner)
    if due_before is not None:
        statement = statement.where(DecisionCondition.due_date < due_before)
    return statement


async def override_counts(
    session: AsyncSession, *, decided_from: dt.datetime | None, decided_to: dt.datetime | None
) -> Sequence[Any]:
    """(gate, computed_recommendation, outcome, count) over current decisions."""
    statement = (
        select(
            Decision.gate,
            Decision.computed_recommendation,
            Decision.outcome,
            func.count().label("count"),
        )
        .where(Decision.status != DecisionStatus.superseded)
        .group_by(Decision.gate, Decision.computed_recommendation, Decision.outcome)
        .order_by(Decision.gate, Decision.computed_recommendation, Decision.outcome)
    )
    if decided_from is not None:
        statement = statement.where(Decision.decided_at >= decided_from)
    if decided_to is not None:
        statement = statement.where(Decision.decided_at < decided_to)
    return (await session.execute(statement)).all()


async def evaluation_items(
    session: AsyncSession, project_id: uuid.UUID, kind: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """The project's developmental-evaluation items of one kind among `ids`: id -> (evaluation
    id, statement or summary)."""
    table: Any
    text: Any
    if kind == "finding":
        table, text = Finding, Finding.statement
    elif kind == "learning_log_entry":
        table, text = LearningLogEntry, LearningLogEntry.summary
    else:
        table, text = AdaptationDecision, AdaptationDecision.summary
    rows = await session.execute(
        select(table.id, table.evaluation_id, text)
        .join(DevelopmentalEvaluation, DevelopmentalEvaluation.id == table.evaluation_id)
        .where(table.id.in_(list(ids)), DevelopmentalEvaluation.project_id == project_id)
    )
    return {row[0]: (row[1], row[2]) for row in rows}
