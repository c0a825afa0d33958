"""The governance figures' queries: each a GROUP BY (or counts) over decisions, conditions and
evaluation records as they stood at `as_of`; the project set is bound as one parameter.

"As of" comes from the history the tables keep: a decision exists from its `decided_at`, is
superseded once a correction is decided (the successor's `decided_at`), a condition is open until
its `closed_at`, an adaptation is implemented from its `implemented_at`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from assessment_service.decisions.models import Decision, DecisionCondition
from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationKind,
    DevelopmentalEvaluation,
    EvaluationStatus,
)
from shared.id_sets import in_id_set


def _in_projects(
    session: AsyncSession,
    column: Any,
    project_ids: Sequence[uuid.UUID] | None,
    name: str = "project_ids",
) -> ColumnElement[bool]:
    # One statement may test several tables: each test gets its own parameter name.
    if project_ids is None:
        return true()
    return in_id_set(column, project_ids, dialect=session.get_bind().dialect.name, name=name)


def current_as_of(as_of: dt.datetime) -> ColumnElement[bool]:
    """`Decision` was recorded by `as_of` and no correction of it had been recorded by then."""
    successor = aliased(Decision)
    return and_(
        Decision.decided_at <= as_of,
        ~exists().where(successor.supersedes_id == Decision.id, successor.decided_at <= as_of),
    )


async def latest_outcomes(
    session: AsyncSession, *, as_of: dt.datetime, project_ids: Sequence[uuid.UUID] | None
) -> Sequence[Any]:
    """(outcome, projects): each project counted once, by its latest decision recorded by
    `as_of` (a correction is later than what it corrects, so it replaces it)."""
    ranked = (
        select(
            Decision.outcome,
            func.row_number()
            .over(
                partition_by=Decision.project_id,
                order_by=(Decision.decided_at.desc(), Decision.id.desc()),
            )
            .label("position"),
        )
        .where(
            Decision.decided_at <= as_of, _in_projects(session, Decision.project_id, project_ids)
        )
        .subquery()
    )
    statement = (
        select(ranked.c.outcome, func.count().label("projects"))
        .where(ranked.c.position == 1)
        .group_by(ranked.c.outcome)
    )
    return (await session.execute(statement)).all()


async def overrides_by_gate(
    session: AsyncSession,
    *,
    as_of: dt.datetime,
    period_from: dt.datetime,
    period_to: dt.datetime,
    project_ids: Sequence[uuid.UUID] | None,
) -> Sequence[Any]:
    """(gate, decisions, against): current decisions as of `as_of` decided in the period."""
    against = func.sum(case((Decision.outcome != Decision.computed_recommendation, 1), else_=0))
    statement = (
        select(Decision.gate, func.count().label("decisions"), against.label("against"))
        .where(
            current_as_of(as_of),
            Decision.decided_at >= period_from,
            Decision.decided_at < period_to,
            _in_projects(session, Decision.project_id, project_ids),
        )
        .group_by(Decision.gate)
    )
    rows: Sequence[Any] = (await session.execute(statement)).all()
    return rows


def _open_conditions(
    session: AsyncSession, as_of: dt.datetime, project_ids: Sequence[uuid.UUID] | None
) -> list[ColumnElement[bool]]:
    return [
        DecisionCondition.decision_id == Decision.id,
        current_as_of(as_of),
        or_(DecisionCondition.closed_at.is_(None), DecisionCondition.closed_at > as_of),
        _in_projects(session, DecisionCondition.project_id, project_ids),
    ]


async def evaluation_counts(
    session: AsyncSession,
    *,
    as_of: dt.datetime,
    period_from: dt.datetime,
    period_to: dt.datetime,
    project_ids: Sequence[uuid.UUID] | None,
) -> Any:
    """One row: open and past-due conditions as of `as_of`; evaluations active in the period,
    pivots decided in it and those of them implemented by `as_of`."""
    today = as_of.date()
    # The period's last day an evaluation could have been active on, by then.
    last_day = (
        min(period_to, as_of + dt.timedelta(microseconds=1)) - dt.timedelta(microseconds=1)
    ).date()
    open_conditions = _open_conditions(session, as_of, project_ids)
    conditions = (
        select(
            func.count().label("open"),
            func.coalesce(
                func.sum(case((DecisionCondition.due_date < today, 1), else_=0)), 0
            ).label("past_due"),
        )
        .select_from(DecisionCondition, Decision)
        .where(*open_conditions)
        .subquery()
    )
    active = (
        select(func.count())
        .select_from(DevelopmentalEvaluation)
        .where(
            DevelopmentalEvaluation.created_at <= as_of,
            DevelopmentalEvaluation.status != EvaluationStatus.planned,
            DevelopmentalEvaluation.start_date.is_not(None),
            DevelopmentalEvaluation.start_date <= last_day,
            or_(
                DevelopmentalEvaluation.end_date.is_(None),
                DevelopmentalEvaluation.end_date >= period_from.date(),
            ),
            _in_projects(session, DevelopmentalEvaluation.project_id, project_ids, "active_ids"),
        )
        .scalar_subquery()
    )
    implemented = and_(
        AdaptationDecision.implemented_at.is_not(None), AdaptationDecision.implemented_at <= as_of
    )
    pivots = (
        select(
            func.count().label("pivots"),
            func.coalesce(func.sum(case((implemented, 1), else_=0)), 0).label("implemented"),
        )
        .select_from(AdaptationDecision)
        .join(
            DevelopmentalEvaluation,
            DevelopmentalEvaluation.id == AdaptationDecision.evaluation_id,
        )
        .where(
            AdaptationDecision.kind == AdaptationKind.pivot,
            AdaptationDecision.decided_at >= period_from,
            AdaptationDecision.decided_at < period_to,
            AdaptationDecision.decided_at <= as_of,
            AdaptationDecision.created_at <= as_of,
            _in_projects(session, DevelopmentalEvaluation.project_id, project_ids, "pivot_ids"),
        )
        .subquery()
    )
    statement = select(
        conditions.c.open,
        conditions.c.past_due,
        active.label("active"),
        pivots.c.pivots,
        pivots.c.implemented,
    ).select_from(conditions.join(pivots, true()))  # two one-row counts side by side
    return (await session.execute(statement)).one()
