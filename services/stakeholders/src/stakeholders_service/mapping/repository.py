"""Mapping: the queries (snapshots, the map as of a date, its entries, trends).

The map is computed by the database: a window over the project's snapshots up to the date picks
each stakeholder's latest and previous one, and the quadrant, salience class and IAP2 gap are
SQL `CASE` expressions built from the pure rules in `rules.py` (so SQL and Python cannot
disagree; `tests/test_mapping_rules.py` checks it for every input on both databases). A read
returns grouped counts or one page of entries, never every snapshot.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    literal,
    not_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import UTCDateTime
from stakeholders_service.mapping.models import StakeholderAssessment
from stakeholders_service.mapping.rules import (
    MendelowQuadrant,
    engagement_gap,
    mendelow_quadrant,
    salience_class,
)
from stakeholders_service.sql import year_month
from stakeholders_service.stakeholders.models import Stakeholder
from stakeholders_service.vocabulary import Iap2Level

A = StakeholderAssessment


def list_statement(
    *, stakeholder_id: uuid.UUID, project_id: uuid.UUID | None
) -> Select[StakeholderAssessment]:
    statement = select(StakeholderAssessment).where(
        StakeholderAssessment.stakeholder_id == stakeholder_id
    )
    if project_id is not None:
        statement = statement.where(StakeholderAssessment.project_id == project_id)
    return statement


def _high(value: Any, threshold: Any, high: bool) -> ColumnElement[bool]:
    return value >= threshold if high else value < threshold  # type: ignore[no-any-return]


def quadrant_sql(power: Any, interest: Any, threshold: Any) -> ColumnElement[str]:
    """`rules.mendelow_quadrant` as SQL (NULL when power and interest are NULL)."""
    whens = [
        (
            and_(_high(power, threshold, p), _high(interest, threshold, i)),
            literal(mendelow_quadrant(power=int(p), interest=int(i), threshold=1).value),
        )
        for p, i in itertools.product((True, False), repeat=2)
    ]
    return case(*whens, else_=None)


def salience_sql(power: Any, legitimacy: Any, urgency: Any, threshold: Any) -> ColumnElement[str]:
    """`rules.salience_class` as SQL."""
    whens = [
        (
            and_(
                _high(power, threshold, p),
                legitimacy if legitimate else not_(legitimacy),
                urgency if urgent else not_(urgency),
            ),
            literal(
                salience_class(
                    power=int(p), legitimacy=legitimate, urgency=urgent, threshold=1
                ).value
            ),
        )
        for p, legitimate, urgent in itertools.product((True, False), repeat=3)
    ]
    return case(*whens, else_=None)


def gap_sql(current: Any, target: Any) -> ColumnElement[int]:
    """`rules.engagement_gap` as SQL: the levels between, for each pair below target."""
    whens = [
        (and_(current == c, target == t), literal(engagement_gap(c, t)))
        for c, t in itertools.product(Iap2Level, repeat=2)
        if engagement_gap(c, t) > 0
    ]
    return case(*whens, else_=literal(0))


def map_entries(project_id: uuid.UUID, as_of: dt.datetime, threshold: int) -> Subquery:
    """One row per stakeholder with a snapshot of the project at `as_of`: their latest
    snapshot, its quadrant, salience class and gap, and the quadrant of the one before."""
    newest_first: dict[str, Any] = {
        "partition_by": A.stakeholder_id,
        "order_by": (A.assessed_at.desc(), A.id.desc()),
    }
    ranked = (
        select(
            A.id,
            A.stakeholder_id,
            A.assessed_at,
            A.power,
            A.interest,
            A.legitimacy,
            A.urgency,
            A.stance,
            A.current_level,
            A.target_level,
            func.row_number().over(**newest_first).label("rank"),
            func.lead(A.power).over(**newest_first).label("previous_power"),
            func.lead(A.interest).over(**newest_first).label("previous_interest"),
            func.lead(A.assessed_at, type_=UTCDateTime())
            .over(**newest_first)
            .label("previous_assessed_at"),
        )
        .where(A.project_id == project_id, A.assessed_at <= as_of)
        .subquery("ranked")
    )
    t: BindParameter[int] = bindparam("threshold", threshold)
    latest = ranked.c
    return (
        select(
            latest.stakeholder_id,
            Stakeholder.category,
            latest.id.label("assessment_id"),
            latest.assessed_at,
            latest.power,
            latest.interest,
            latest.legitimacy,
            latest.urgency,
            quadrant_sql(latest.power, latest.interest, t).label("mendelow_quadrant"),
            salience_sql(latest.power, latest.legitimacy, latest.urgency, t).label(
                "salience_class"
            ),
            latest.stance,
            latest.current_level,
            latest.target_level,
            gap_sql(latest.current_level, latest.target_level).label("engagement_gap"),
            quadrant_sql(latest.previous_power, latest.previous_interest, t).label(
                "previous_quadrant"
            ),
            latest.previous_assessed_at,
        )
        .join(Stakeholder, Stakeholder.id == latest.stakeholder_id)
        .where(latest.rank == 1)
        .subquery("entries")
    )


async def map_counts(
    session: AsyncSession, *, project_id: uuid.UUID, as_of: dt.datetime, threshold: int
) -> Sequence[Row[str, str, str, str | None, int, int]]:
    """(quadrant, salience class, stance, previous quadrant, gap, stakeholders) per group."""
    entries = map_entries(project_id, as_of, threshold).c
    keys = (
        entries.mendelow_quadrant,
        entries.salience_class,
        entries.stance,
        entries.previous_quadrant,
        entries.engagement_gap,
    )
    statement = select(*keys, func.count()).group_by(*keys)
    return (await session.execute(statement)).all()


def entries_statement(
    *,
    project_id: uuid.UUID,
    as_of: dt.datetime,
    threshold: int,
    quadrant: MendelowQuadrant | None,
    moved: bool | None,
    below_target: bool | None,
) -> tuple[Select[Any], Any]:
    """The map's entries, filtered, and the column to page them by (the stakeholder id)."""
    entries = map_entries(project_id, as_of, threshold)
    statement = select(entries)
    if quadrant is not None:
        statement = statement.where(entries.c.mendelow_quadrant == quadrant.value)
    if moved is not None:
        changed = and_(
            entries.c.previous_quadrant.is_not(None),
            entries.c.previous_quadrant != entries.c.mendelow_quadrant,
        )
        statement = statement.where(changed if moved else not_(changed))
    if below_target is not None:
        gap = entries.c.engagement_gap
        statement = statement.where(gap > 0 if below_target else gap == 0)
    return statement, entries.c.stakeholder_id


async def monthly_trend(
    session: AsyncSession,
    *,
    project_id: uuid.UUID,
    stakeholder_id: uuid.UUID | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> Sequence[Row[str, int, int, int]]:
    """(`YYYY-MM`, snapshots, summed relationship quality, summed trust) per month, in order."""
    month = year_month(A.assessed_at)
    statement = select(
        month, func.count(), func.sum(A.relationship_quality), func.sum(A.trust)
    ).where(A.project_id == project_id)
    if stakeholder_id is not None:
        statement = statement.where(A.stakeholder_id == stakeholder_id)
    if since is not None:
        statement = statement.where(A.assessed_at >= since)
    if until is not None:
        statement = statement.where(A.assessed_at <= until)
    statement = statement.group_by(month).order_by(month)
    return (await session.execute(statement)).all()
