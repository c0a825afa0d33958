"""Benefit totals and overdue monitoring as SQL, over the project set at `as_of`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.aggregates.repository.population import SetFilters, in_set
from projects_service.benefits.models import Benefit, BenefitStatus, BenefitValue
from projects_service.journals.models import (
    JournalEntryMixin,
    JournalStatus,
    OutcomeJournalEntry,
    PerformanceJournalEntry,
    StrategyJournalEntry,
)
from projects_service.outcome_maps.models import (
    BoundaryPartner,
    Frequency,
    MonitoringPlanItem,
    MonitoringTool,
    OutcomeMap,
    PriorityKind,
)
from shared.db import UTCDateTime

# How long after the last monitored period (or the map's agreement) an item falls due.
INTERVAL_DAYS = {
    Frequency.monthly: 31,
    Frequency.quarterly: 92,
    Frequency.biannual: 183,
    Frequency.annual: 366,
}
JOURNALS: dict[MonitoringTool, type[JournalEntryMixin]] = {
    MonitoringTool.outcome_journal: OutcomeJournalEntry,
    MonitoringTool.strategy_journal: StrategyJournalEntry,
    MonitoringTool.performance_journal: PerformanceJournalEntry,
}
LIVE = (JournalStatus.submitted, JournalStatus.reviewed, JournalStatus.amended)


async def benefit_totals(
    session: AsyncSession, as_of: dt.datetime, filters: SetFilters
) -> Sequence[Any]:
    """(kind, unit, value_type, total, benefits): each active benefit's latest figure of each
    type as known at `as_of` (dated on or before its day and recorded by then), summed by kind,
    unit and type; value_type null rows count the benefits with any figure."""
    ranked = (
        select(
            BenefitValue.benefit_id,
            BenefitValue.value_type,
            BenefitValue.amount,
            func.row_number()
            .over(
                partition_by=(BenefitValue.benefit_id, BenefitValue.value_type),
                order_by=(
                    BenefitValue.as_at.desc(),
                    BenefitValue.created_at.desc(),
                    BenefitValue.id.desc(),
                ),
            )
            .label("rank"),
        )
        .where(BenefitValue.as_at <= as_of.date(), BenefitValue.created_at <= as_of)
        .subquery("ranked")
    )
    latest = (
        select(Benefit.id, Benefit.kind, Benefit.unit, ranked.c.value_type, ranked.c.amount)
        .join(ranked, and_(ranked.c.benefit_id == Benefit.id, ranked.c.rank == 1))
        .where(
            Benefit.status == BenefitStatus.active,
            Benefit.created_at <= as_of,
            *in_set(Benefit.project_id, as_of, filters),
        )
        .cte("latest")
    )
    statement = union_all(
        select(
            latest.c.kind,
            latest.c.unit,
            cast(latest.c.value_type, String),
            func.sum(latest.c.amount),
            func.count(func.distinct(latest.c.id)),
        ).group_by(latest.c.kind, latest.c.unit, latest.c.value_type),
        select(
            latest.c.kind,
            latest.c.unit,
            cast(null(), String),
            null(),
            func.count(func.distinct(latest.c.id)),
        ).group_by(latest.c.kind, latest.c.unit),
    )
    return (await session.execute(statement)).all()


def _last_period_end(
    tool: MonitoringTool, project_id: Any, lineage_id: Any, as_of: dt.datetime
) -> Any:
    """The end of the latest period the tool's journal recorded for the item by `as_of`: the
    partner's outcome journal when the item names a partner, else the project's journal."""
    model = JOURNALS[tool]
    conditions = [
        model.project_id == project_id,
        model.status.in_(LIVE),
        model.submitted_at <= as_of,
    ]
    if model is OutcomeJournalEntry:
        conditions.append(
            or_(lineage_id.is_(None), OutcomeJournalEntry.partner_lineage_id == lineage_id)
        )
    return select(func.max(model.period_end)).where(*conditions).scalar_subquery()


async def monitoring(
    session: AsyncSession, as_of: dt.datetime, filters: SetFilters
) -> Sequence[Any]:
    """(tool, items, overdue, projects_overdue) per journal tool, and a total row (tool null):
    the scheduled items (not ad hoc, a journal tool) of each project's map agreed at `as_of`.
    An item is overdue when its journal's latest period ended (or, with none, the map was
    agreed) more than one interval of its frequency before `as_of`."""
    partner_ref = and_(
        MonitoringPlanItem.priority_kind == PriorityKind.boundary_partner,
        BoundaryPartner.outcome_map_id == MonitoringPlanItem.outcome_map_id,
        # A partner's id as the item wrote it (any case, with or without hyphens).
        func.replace(cast(BoundaryPartner.id, String), "-", "")
        == func.replace(func.lower(MonitoringPlanItem.priority_ref), "-", ""),
    )
    last_end = case(
        *(
            (
                MonitoringPlanItem.tool == tool,
                _last_period_end(tool, OutcomeMap.project_id, BoundaryPartner.lineage_id, as_of),
            )
            for tool in JOURNALS
        )
    )
    cut_date = case(
        *(
            (MonitoringPlanItem.frequency == frequency, literal(as_of.date() - dt.timedelta(days)))
            for frequency, days in INTERVAL_DAYS.items()
        )
    )
    cut_time = case(
        *(
            (
                MonitoringPlanItem.frequency == frequency,
                literal(as_of - dt.timedelta(days), UTCDateTime()),
            )
            for frequency, days in INTERVAL_DAYS.items()
        )
    )
    flagged = (
        select(
            OutcomeMap.project_id.label("project_id"),
            MonitoringPlanItem.tool.label("tool"),
            case(
                (last_end.is_not(None), case((last_end < cut_date, 1), else_=0)),
                else_=case((OutcomeMap.agreed_at < cut_time, 1), else_=0),
            ).label("overdue"),
        )
        .join(OutcomeMap, OutcomeMap.id == MonitoringPlanItem.outcome_map_id)
        .outerjoin(BoundaryPartner, partner_ref)
        .where(
            *in_set(OutcomeMap.project_id, as_of, filters),
            OutcomeMap.agreed_at.is_not(None),
            OutcomeMap.agreed_at <= as_of,
            or_(OutcomeMap.superseded_at.is_(None), OutcomeMap.superseded_at > as_of),
            MonitoringPlanItem.frequency.in_(sorted(INTERVAL_DAYS)),
            MonitoringPlanItem.tool.in_(sorted(JOURNALS)),
        )
        .cte("flagged")
    )

    def totals(tool: Any) -> Any:
        return select(
            tool,
            func.count(),
            func.coalesce(func.sum(flagged.c.overdue), 0),
            func.count(func.distinct(case((flagged.c.overdue == 1, flagged.c.project_id)))),
        )

    statement = union_all(
        totals(cast(flagged.c.tool, String)).group_by(flagged.c.tool),
        totals(cast(null(), String)),
    )
    return (await session.execute(statement)).all()
