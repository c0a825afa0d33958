"""Portfolio counts as SQL: the categories (stage at `as_of`, pillar, directorate, type, tags,
net zero), the project ids of a filtered set, the gate funnel and days in stage. One statement
each, whatever the number of projects."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Float,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from projects_service.aggregates.repository.population import (
    SetFilters,
    arrivals,
    population,
    stays,
)
from projects_service.projects.models import DecisionEffect, ReceivedDecision, Stage
from projects_service.projects.stages import GATE_FROM, PROCEED

# Outcomes with which a gate lets a project on (G4 `scale`/`adopt`, G5 any of them).
PROCEEDED = sorted(PROCEED | {"scale", "adopt"})
GATES = tuple(GATE_FROM)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _tags(column: Any, dialect: str) -> Any:
    """The JSON array `column` as a table of its string elements (`value`)."""
    if dialect == "postgresql":
        return func.jsonb_array_elements_text(type_coerce(column, JSONB)).table_valued("value")
    return func.json_each(column).table_valued("value")


async def categories(
    session: AsyncSession, as_of: dt.datetime, filters: SetFilters
) -> Sequence[Any]:
    """(dimension, key, count) rows: projects by stage at `as_of`, pillar, directorate,
    innovation type and Core20PLUS5 tag, the net-zero relevant count and the total."""
    pop = population(as_of, filters, with_stage=True).cte("population")

    def by(name: str, column: Any) -> Any:
        return select(literal(name), cast(column, String), func.count()).group_by(column)

    tags = _tags(pop.c.tags, _dialect(session))
    statement = union_all(
        by("stage", pop.c.stage),
        by("pillar", pop.c.pillar),
        by("directorate", pop.c.directorate),
        by("innovation_type", pop.c.innovation_type),
        select(
            literal("core20plus5"), cast(tags.c.value, String), func.count(func.distinct(pop.c.id))
        )
        .select_from(pop)
        .join(tags, true())
        .group_by(tags.c.value),
        select(
            literal("net_zero"),
            cast(null(), String),
            func.coalesce(func.sum(case((pop.c.net_zero_relevant, 1), else_=0)), 0),
        ),
        select(literal("total"), cast(null(), String), func.count()).select_from(pop),
    )
    return (await session.execute(statement)).all()


async def project_ids(
    session: AsyncSession, as_of: dt.datetime, filters: SetFilters
) -> list[uuid.UUID]:
    pop = population(as_of, filters, with_stage=False).subquery("population")
    return list((await session.scalars(select(pop.c.id).order_by(pop.c.id))).all())


def _in_window(column: Any, start: dt.datetime | None, end: dt.datetime) -> Any:
    return and_(column >= start, column <= end) if start is not None else column <= end


async def entered(
    session: AsyncSession,
    as_of: dt.datetime,
    start: dt.datetime | None,
    end: dt.datetime,
    filters: SetFilters,
) -> dict[str, int]:
    """Per gate: projects that arrived (created there, or moved there other than by resuming
    from a pause) in a stage the gate decides on, within the period."""
    pop = population(as_of, filters, with_stage=False).subquery("population")
    came = arrivals(as_of)
    columns = [
        func.count(
            func.distinct(case((came.c.stage.in_(sorted(GATE_FROM[gate])), came.c.project_id)))
        ).label(gate)
        for gate in GATES
    ]
    statement = (
        select(*columns)
        .select_from(came)
        .join(pop, pop.c.id == came.c.project_id)
        .where(
            _in_window(came.c.at, start, end),
            or_(came.c.from_stage.is_(None), came.c.from_stage != str(Stage.paused)),
        )
    )
    row = (await session.execute(statement)).one()
    return {gate: int(row[index]) for index, gate in enumerate(GATES)}


async def decided(
    session: AsyncSession,
    as_of: dt.datetime,
    start: dt.datetime | None,
    end: dt.datetime,
    filters: SetFilters,
) -> Sequence[Any]:
    """(gate, decided, proceeded, stopped) from the decisions received by `as_of` and decided
    in the period, leaving out those rejected (they did not fit the stage) and those corrected by
    a decision received by `as_of`; each project counted once per gate, by its latest outcome."""
    pop = population(as_of, filters, with_stage=False).subquery("population")
    correction = aliased(ReceivedDecision)
    decided_at = func.coalesce(ReceivedDecision.decided_at, ReceivedDecision.received_at)
    effective = (
        select(
            ReceivedDecision.project_id,
            ReceivedDecision.gate,
            ReceivedDecision.outcome,
            func.row_number()
            .over(
                partition_by=(ReceivedDecision.project_id, ReceivedDecision.gate),
                order_by=(
                    decided_at.desc(),
                    ReceivedDecision.received_at.desc(),
                    ReceivedDecision.id.desc(),
                ),
            )
            .label("rank"),
        )
        .join(pop, pop.c.id == ReceivedDecision.project_id)
        .where(
            ReceivedDecision.effect != DecisionEffect.rejected,
            ReceivedDecision.received_at <= as_of,
            _in_window(decided_at, start, end),
            ~exists().where(
                correction.supersedes_id == ReceivedDecision.decision_id,
                correction.project_id == ReceivedDecision.project_id,
                correction.received_at <= as_of,
            ),
        )
        .subquery("effective")
    )
    latest = effective.c.rank == 1
    statement = select(
        effective.c.gate,
        func.count(func.distinct(effective.c.project_id)),
        func.coalesce(
            func.sum(case((and_(latest, effective.c.outcome.in_(PROCEEDED)), 1), else_=0)), 0
        ),
        func.coalesce(func.sum(case((and_(latest, effective.c.outcome == "stop"), 1), else_=0)), 0),
    ).group_by(effective.c.gate)
    return (await session.execute(statement)).all()


def _days(start: Any, end: Any, dialect: str) -> Any:
    if dialect == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def stage_durations(
    as_of: dt.datetime,
    start: dt.datetime | None,
    end: dt.datetime,
    filters: SetFilters,
    dialect: str,
) -> Any:
    """(stage, days) of every stay that ended within the period, as a subquery."""
    pop = population(as_of, filters, with_stage=False).subquery("population")
    history = stays(as_of)
    return (
        select(
            history.c.stage,
            cast(_days(history.c.at, history.c.left_at, dialect), Float).label("days"),
        )
        .join(pop, pop.c.id == history.c.project_id)
        .where(history.c.left_at.is_not(None), _in_window(history.c.left_at, start, end))
        .subquery("durations")
    )


def _portable_percentile(ranked: Any, fraction: tuple[int, int]) -> Any:
    """Linear interpolation between closest ranks, `percentile_cont`'s definition, from
    ROW_NUMBER and COUNT: the value at 0-based rank h = p (n - 1) is v[floor h] + (h - floor h)
    (v[floor h + 1] - v[floor h]). p = num/den keeps floor h an integer division on both
    backends (no floor() in SQLite's core)."""
    num, den = fraction
    steps = ranked.c.n - 1
    lower = (num * steps) // den + 1  # 1-based row of floor h
    share = cast((num * steps) % den, Float) / den
    low = func.max(case((ranked.c.rn == lower, ranked.c.days)))
    high = func.max(case((ranked.c.rn == lower + 1, ranked.c.days)))
    return low + share * (func.coalesce(high, low) - low)


async def days_in_stage(
    session: AsyncSession,
    as_of: dt.datetime,
    start: dt.datetime | None,
    end: dt.datetime,
    filters: SetFilters,
    *,
    method: str | None = None,
) -> Sequence[Any]:
    """(stage, stays, median, p90) over the stays that ended in the period. PostgreSQL uses
    `percentile_cont`; SQLite, which has none, the same interpolation from window functions
    (`method="window"` runs that on PostgreSQL too, so a test can compare the two)."""
    dialect = _dialect(session)
    durations = stage_durations(as_of, start, end, filters, dialect)
    if (
        method or ("percentile_cont" if dialect == "postgresql" else "window")
    ) == "percentile_cont":
        statement = select(
            durations.c.stage,
            func.count(),
            func.percentile_cont(0.5).within_group(durations.c.days),
            func.percentile_cont(0.9).within_group(durations.c.days),
        ).group_by(durations.c.stage)
    else:
        ranked = select(
            durations.c.stage,
            durations.c.days,
            func.row_number()
            .over(partition_by=durations.c.stage, order_by=durations.c.days)
            .label("rn"),
            func.count().over(partition_by=durations.c.stage).label("n"),
        ).subquery("ranked")
        statement = select(
            ranked.c.stage,
            ranked.c.n,
            _portable_percentile(ranked, (1, 2)),
            _portable_percentile(ranked, (9, 10)),
        ).group_by(ranked.c.stage, ranked.c.n)
    return (await session.execute(statement)).all()
