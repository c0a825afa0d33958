"""The governance figures' queries: each a GROUP BY (or counts) over decisions, conditions and
evaluation records as they stood at `as_of`; the project set is bound as one parameter.

"As of" comes from the history the tables keep: a decision exists from its `decided_at`, is
superseded once a correction is decided (the successor's `decided_at`), a condition is open until
its `closed_at`, an adaptation is implemented from its `implemented_at`, and an evaluation is
active from its move to `active` to its move to `concluded` (the audit entries of its
transitions: the table keeps only the current status).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, exists, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from assessment_service.decisions.models import Decision, DecisionCondition
from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationKind,
    DevelopmentalEvaluation,
)
from shared.id_sets import in_id_set
from shared.platform import platform_of

# The audit trail names an evaluation by its table; each transition is an entry whose action is
# the state reached (`active`, `concluded`).
EVALUATION_ENTITY = DevelopmentalEvaluation.__tablename__
UUID_GROUPS = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))


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


def _uuid_text(session: AsyncSession, column: Any) -> ColumnElement[str]:
    """`column` as the audit trail writes an id (`str(uuid)`): PostgreSQL's uuid text is that
    already; SQLite stores 32 hex digits, hyphenated here 8-4-4-4-12."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(column, String)
    parts = [func.substr(column, start, length) for start, length in UUID_GROUPS]
    text: ColumnElement[str] = parts[0]
    for part in parts[1:]:
        text = text + "-" + part
    return text


def _moved(
    session: AsyncSession, action: str, *, before: dt.datetime, as_of: dt.datetime
) -> ColumnElement[bool]:
    """The evaluation was moved by `action` (its transition's audit entry) before `before`,
    and by `as_of`."""
    audit = platform_of(session).audit
    return exists().where(
        audit.c.entity_type == EVALUATION_ENTITY,
        audit.c.entity_id == _uuid_text(session, DevelopmentalEvaluation.id),
        audit.c.action == action,
        audit.c.occurred_at < before,
        audit.c.occurred_at <= as_of,
    )


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
            # Active: moved to `active` by the period's end, not concluded before its start
            # (the status history is the audit trail of its transitions, as of `as_of`).
            _moved(session, "active", before=period_to, as_of=as_of),
            ~_moved(session, "concluded", before=period_from, as_of=as_of),
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
