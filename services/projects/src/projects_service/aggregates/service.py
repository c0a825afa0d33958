"""Aggregates: the rules around the SQL (the window, suppression for reporter and viewer, the
definitions); the figures themselves are counted by the database (`repository`)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.aggregates.errors import AsOfInFuture, InvalidPeriod
from projects_service.aggregates.schemas import (
    AttainmentOverTime,
    Filters,
    KeyPerson,
    Monitoring,
    NetZero,
    Period,
    PortfolioAggregate,
)
from shared.auth import Principal
from shared.db import utcnow


@dataclass(frozen=True)
class Window:
    """`as_of` and the period of the period figures, already checked and clamped."""

    as_of: dt.datetime
    start: dt.datetime | None
    end: dt.datetime


def window(as_of: dt.datetime | None, start: dt.datetime | None, end: dt.datetime | None) -> Window:
    now = utcnow()
    if as_of is not None and as_of > now:
        raise AsOfInFuture()
    at = as_of or now
    # Nothing after `as_of` is known at `as_of`: the period ends there at the latest.
    until = min(end, at) if end is not None else at
    if start is not None and (start > until or (end is not None and start > end)):
        raise InvalidPeriod()
    return Window(as_of=at, start=start, end=until)


async def portfolio(
    session: AsyncSession,
    principal: Principal,
    span: Window,
    filters: Filters,
    *,
    threshold: float,
) -> PortfolioAggregate:
    """First cut: the shape, with empty figures (the SQL follows)."""
    return PortfolioAggregate(
        as_of=span.as_of,
        period=Period(period_from=span.start, period_to=span.end),
        filters=filters,
        project_ids=None,
        projects=0,
        by_stage=[],
        by_pillar=[],
        by_directorate=[],
        by_innovation_type=[],
        gate_funnel=[],
        days_in_stage=[],
        core20plus5=[],
        net_zero=NetZero(projects=0, relevant=0, share=None, tco2e_estimate=0, tco2e_benefits=0),
        benefits=[],
        monitoring=Monitoring(
            items=0,
            overdue=0,
            projects_overdue=0,
            overdue_outcome_journals=0,
            projects_with_overdue_outcome_journals=0,
            by_tool=[],
        ),
        key_person=KeyPerson(
            on=span.as_of.date(),
            threshold=threshold,
            projects_with_a_lead=0,
            projects_lead_is_sponsor_is_evaluator=0,
            active_members_distribution=[],
            projects=[],
            projects_truncated=False,
            people_total=None,
            people=[],
            people_truncated=False,
        ),
        suppressed=[],
        definitions={},
    )


async def attainment_over_time(
    session: AsyncSession, project_id: uuid.UUID, as_of: dt.datetime
) -> AttainmentOverTime:
    return AttainmentOverTime(project_id=project_id, as_of=as_of, series=[], definitions={})
