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
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from projects_service.aggregates.repository.population import (
    SetFilters,
    in_set,
    initial_stage,
    population,
    stays,
)
from projects_service.projects.models import (
    Core20Plus5,
    DecisionEffect,
    Project,
    ReceivedDecision,
    Stage,
    StageChange,
)
from projects_service.projects.stages import GATE_FROM, PROCEED
from projects_service.sql import json_array_contains

# Outcomes with which a gate lets a project on (G4 `scale`/`adopt`, G5 any of them).
PROCEEDED = sorted(PROCEED | {"scale", "adopt"})
GATES = tuple(GATE_FROM)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _tag_counts(pop: Any, dialect: str) -> list[Any]:
    """(core20plus5, tag, projects) rows. SQLite expands each project's JSON array with
    `json_each`; PostgreSQL counts each known tag by JSONB containment instead, because its
    planner guesses 100 elements per array, and that guess alone made the statement costly
    enough for a JIT compilation longer than the query."""
    if dialect == "postgresql":
        return [
            select(literal("core20plus5"), literal(str(tag)), func.count())
            .select_from(pop)
            .where(json_array_contains(pop.c.tags, str(tag), dialect=dialect))
            for tag in Core20Plus5
        ]
    tags = func.json_each(pop.c.tags).table_valued("value")
    return [
        select(
            literal("core20plus5"), cast(tags.c.value, String), func.count(func.distinct(pop.c.id))
        )
        .select_from(pop)
        .join(tags, true())
        .group_by(tags.c.value)
    ]


async def categories(
    session: AsyncSession, as_of: dt.datetime, filters: SetFilters
) -> Sequence[Any]:
    """(dimension, key, count) rows: projects by stage at `as_of`, pillar, directorate,
    innovation type and Core20PLUS5 tag, the net-zero relevant count and the total."""
    pop = population(as_of, filters, with_stage=True).cte("population")

    def by(name: str, column: Any) -> Any:
        return select(literal(name), cast(column, String), func.count()).group_by(column)

    statement = union_all(
        by("stage", pop.c.stage),
        by("pillar", pop.c.pillar),
        by("directorate", pop.c.directorate),
        by("innovation_type", pop.c.innovation_type),
        *_tag_counts(pop, _dialect(session)),
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


# Where each gate decides, as one key per stage (G3 and G4 both decide in evaluation, G5 in
# scaling or embedding), so the arrivals are counted with one GROUP BY.
_GATE_KEY = {stage: "+".join(g for g in GATES if stage in GATE_FROM[g]) for stage in Stage}


async def entered(
    session: AsyncSession,
    as_of: dt.datetime,
    start: dt.datetime | None,
    end: dt.datetime,
    filters: SetFilters,
) -> dict[str, int]:
    """Per gate: projects that arrived in the period in a stage the gate decides on, by being
    created there or by a stage change other than resuming from a pause."""
    moved = select(StageChange.project_id, cast(StageChange.to_stage, String).label("stage")).where(
        _in_window(StageChange.occurred_at, start, end),
        StageChange.from_stage != Stage.paused,
        *in_set(StageChange.project_id, as_of, filters),
    )
    created = select(Project.id, initial_stage()).where(
        _in_window(Project.created_at, start, end), *in_set(Project.id, as_of, filters)
    )
    came = union_all(moved, created).subquery("arrivals")
    # The simple CASE form reads `stage` once (a searched CASE would repeat its expression).
    key = case(
        {str(stage): gates for stage, gates in _GATE_KEY.items() if gates}, value=came.c.stage
    ).label("gates")
    statement = (
        select(key, func.count(func.distinct(came.c.project_id)))
        .where(key.is_not(None))
        .group_by(key)
    )
    found = {gates: int(n) for gates, n in (await session.execute(statement)).all()}
    return {
        gate: sum(n for gates, n in found.items() if gate in gates.split("+")) for gate in GATES
    }


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
        .where(
            ReceivedDecision.effect != DecisionEffect.rejected,
            ReceivedDecision.received_at <= as_of,
            _in_window(decided_at, start, end),
            ~exists().where(
                correction.supersedes_id == ReceivedDecision.decision_id,
                correction.project_id == ReceivedDecision.project_id,
                correction.received_at <= as_of,
            ),
            *in_set(ReceivedDecision.project_id, as_of, filters),
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


def stage_durations(
    as_of: dt.datetime,
    start: dt.datetime | None,
    end: dt.datetime,
    filters: SetFilters,
    dialect: str,
) -> Any:
    """(stage, days) of every stay that ended within the period, as a CTE computed once
    (MATERIALIZED: the ranking reads it twice and would otherwise recompute every row)."""
    history = stays(as_of, filters, dialect)
    return (
        select(history.c.stage, history.c.days)
        .where(_in_window(history.c.ended, start, end))
        .cte("durations")
        .prefix_with("MATERIALIZED")
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
