"""Aggregates: the rules around the SQL (the window, suppression for reporter and viewer, the
definitions); the figures themselves are counted by the database (`repository`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.aggregates.definitions import ATTAINMENT_DEFINITIONS, PORTFOLIO_DEFINITIONS
from projects_service.aggregates.errors import AsOfInFuture, InvalidPeriod, ProjectScopeTooLarge
from projects_service.aggregates.repository import (
    attainment,
    people,
    portfolio as counts,
    registers,
    scope,
)
from projects_service.aggregates.repository.population import SetFilters
from projects_service.aggregates.schemas import (
    MAX_PROJECT_IDS,
    AttainmentOverTime,
    BenefitTotal,
    CountItem,
    Filters,
    GateFunnel,
    KeyPerson,
    LevelPeriod,
    Monitoring,
    MonitoringByTool,
    NetZero,
    PartnerLevelSeries,
    Period,
    PersonLoad,
    PortfolioAggregate,
    ProjectKeyPerson,
    ProjectScope,
    ProjectScopeQuery,
    StageDuration,
)
from projects_service.benefits.models import BenefitKind
from projects_service.outcome_maps.models import MarkerLevel, MonitoringTool
from projects_service.projects.models import Core20Plus5, InnovationType, Pillar, Stage
from shared.auth import Principal, Role
from shared.db import utcnow
from shared.exports.catalog import ExportContext
from shared.platform import PlatformTables

# Counts of people below this are withheld from reporter and viewer (conventions, DOMAIN B).
SUPPRESS_BELOW = 5
PROJECTS_LISTED = 200
PEOPLE_LISTED = 100
TCO2E_UNITS = frozenset({"tco2e", "tco2", "t co2e"})


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
    if start is not None and end is not None and start > end:
        raise InvalidPeriod()
    if start is not None and start > at:
        raise InvalidPeriod("`from` is after `as_of`: nothing in the period is known yet.")
    # Nothing after `as_of` is known at `as_of`: the period ends there at the latest.
    return Window(as_of=at, start=start, end=min(end, at) if end is not None else at)


def sees_people(principal: Principal) -> bool:
    """Governance and admin see people's subjects and small counts; everyone else gets them
    suppressed (reporter, viewer, and a service calling on its own behalf)."""
    return principal.has_any(Role.governance, Role.admin)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _number(value: Any) -> float | None:
    return None if value is None else round(float(value), 2)


def _counts(rows: dict[str, dict[str | None, int]], name: str, keys: list[str]) -> list[CountItem]:
    """Every known key (zero included, so charts are stable), then any other the rows hold."""
    found = rows.get(name, {})
    listed = [CountItem(key=key, count=found.get(key, 0)) for key in keys]
    extra = sorted((k for k in found if k not in keys), key=lambda k: (k is None, k or ""))
    return listed + [CountItem(key=key, count=found[key]) for key in extra]


async def portfolio(
    session: AsyncSession,
    principal: Principal,
    span: Window,
    filters: Filters,
    *,
    threshold: float,
) -> PortfolioAggregate:
    """Every projects-side figure of the portfolio report, a fixed number of statements."""
    chosen = SetFilters(
        directorate=filters.directorate,
        pillar=filters.pillar,
        stage=filters.stage,
        innovation_type=filters.innovation_type,
    )
    at = span.as_of
    grouped: dict[str, dict[str | None, int]] = defaultdict(dict)
    for dimension, key, count in await counts.categories(session, at, chosen):
        grouped[dimension][key] = int(count)
    total = grouped["total"].get(None, 0)
    relevant = grouped["net_zero"].get(None, 0)
    by_stage = _counts(grouped, "stage", [str(s) for s in Stage])
    ids = await counts.project_ids(session, at, chosen) if chosen.any else None

    entered = await counts.entered(session, at, span.start, span.end, chosen)
    decided = {
        gate: (int(d), int(p), int(s))
        for gate, d, p, s in await counts.decided(session, at, span.start, span.end, chosen)
    }
    funnel = []
    for gate in counts.GATES:
        d, p, s = decided.get(gate, (0, 0, 0))
        funnel.append(
            GateFunnel(
                gate=gate,
                entered=entered[gate],
                decided=d,
                proceeded=p,
                stopped=s,
                conversion=_share(p, d),
            )
        )

    durations = {
        stage: (int(n), median, p90)
        for stage, n, median, p90 in await counts.days_in_stage(
            session, at, span.start, span.end, chosen
        )
    }
    ongoing = {item.key: item.count for item in by_stage}
    days = []
    for stage in Stage:
        n, median, p90 = durations.get(str(stage), (0, None, None))
        days.append(
            StageDuration(
                stage=stage,
                stays=n,
                median_days=None if median is None else round(float(median), 3),
                p90_days=None if p90 is None else round(float(p90), 3),
                ongoing=ongoing.get(str(stage), 0),
            )
        )

    benefits, tco2e, tco2e_benefits = await _benefits(session, at, chosen)
    suppressed: list[str] = []
    return PortfolioAggregate(
        as_of=at,
        period=Period(period_from=span.start, period_to=span.end),
        filters=filters,
        project_ids=ids,
        projects=total,
        by_stage=by_stage,
        by_pillar=_counts(grouped, "pillar", [str(p) for p in Pillar]),
        by_directorate=_counts(grouped, "directorate", []),
        by_innovation_type=_counts(grouped, "innovation_type", [str(t) for t in InnovationType]),
        gate_funnel=funnel,
        days_in_stage=days,
        core20plus5=_counts(grouped, "core20plus5", [str(c) for c in Core20Plus5]),
        net_zero=NetZero(
            projects=total,
            relevant=relevant,
            share=_share(relevant, total),
            tco2e_estimate=tco2e,
            tco2e_benefits=tco2e_benefits,
        ),
        benefits=benefits,
        monitoring=await _monitoring(session, at, chosen),
        key_person=await _key_person(
            session,
            at,
            chosen,
            total=total,
            threshold=threshold,
            full=sees_people(principal),
            out=suppressed,
        ),
        suppressed=suppressed,
        definitions=PORTFOLIO_DEFINITIONS,
    )


async def _benefits(
    session: AsyncSession, at: dt.datetime, chosen: SetFilters
) -> tuple[list[BenefitTotal], float, int]:
    totals: dict[tuple[BenefitKind, str], dict[str | None, Any]] = defaultdict(dict)
    for kind, unit, value_type, amount, count in await registers.benefit_totals(
        session, at, chosen
    ):
        bucket = totals[(kind, unit)]
        bucket[value_type] = amount
        if value_type is None:
            bucket["benefits"] = int(count)
        elif value_type == "estimated":
            bucket["estimated_benefits"] = int(count)
    result, tco2e, tco2e_benefits = [], 0.0, 0
    for (kind, unit), bucket in sorted(totals.items(), key=lambda item: (item[0][0], item[0][1])):
        result.append(
            BenefitTotal(
                kind=kind,
                unit=unit,
                benefits=bucket.get("benefits", 0),
                estimated=_number(bucket.get("estimated")),
                validated=_number(bucket.get("validated")),
                actual=_number(bucket.get("actual")),
            )
        )
        if kind is BenefitKind.carbon and unit.strip().lower() in TCO2E_UNITS:
            tco2e += float(bucket.get("estimated") or 0)
            tco2e_benefits += bucket.get("estimated_benefits", 0)
    return result, round(tco2e, 2), tco2e_benefits


async def _monitoring(session: AsyncSession, at: dt.datetime, chosen: SetFilters) -> Monitoring:
    rows = {
        tool: (int(items), int(overdue), int(projects))
        for tool, items, overdue, projects in await registers.monitoring(session, at, chosen)
    }
    items, overdue, projects = rows.get(None, (0, 0, 0))
    outcome = rows.get(str(MonitoringTool.outcome_journal), (0, 0, 0))
    return Monitoring(
        items=items,
        overdue=overdue,
        projects_overdue=projects,
        overdue_outcome_journals=outcome[1],
        projects_with_overdue_outcome_journals=outcome[2],
        by_tool=[
            MonitoringByTool(tool=tool, items=n, overdue=o, projects_overdue=p)
            for tool in registers.JOURNALS
            for n, o, p in [rows.get(str(tool), (0, 0, 0))]
        ],
    )


async def _key_person(
    session: AsyncSession,
    at: dt.datetime,
    chosen: SetFilters,
    *,
    total: int,
    threshold: float,
    full: bool,
    out: list[str],
) -> KeyPerson:
    """Key-person figures. For a caller who does not see people (`full` false): no subjects,
    a project's member count below 5 is null, and so is the number of people with a key role,
    with the per-person rows withheld too (their number would reveal it)."""
    buckets: dict[str, int] = {}
    triples = with_lead = holders = 0
    risks: list[tuple[uuid.UUID, int, bool]] = []
    loads: list[tuple[str, int, int, int]] = []
    for kind, key, a, b, c, d in await people.key_people(
        session, at, chosen, projects_limit=PROJECTS_LISTED + 1, people_limit=PEOPLE_LISTED + 1
    ):
        if kind == "bucket":
            buckets[key] = int(a)
            triples += int(b or 0)
            with_lead += int(c or 0)
        elif kind == "risk":
            risks.append((uuid.UUID(key), int(a), bool(b)))
        else:
            loads.append((key, int(a), int(b), int(c)))
            holders = int(d)
    buckets["0"] = total - sum(buckets.values())
    risks.sort()
    loads.sort(key=lambda row: (-row[1], -row[2], -row[3], row[0]))
    listed = []
    for index, (project_id, members, triple) in enumerate(risks[:PROJECTS_LISTED]):
        shown: int | None = members
        if not full and members < SUPPRESS_BELOW:
            shown = None
            out.append(f"/key_person/projects/{index}/active_members")
        listed.append(
            ProjectKeyPerson(
                project_id=project_id, active_members=shown, lead_is_sponsor_is_evaluator=triple
            )
        )
    people_total: int | None = holders
    rows = []
    for subject, led, sponsored, evaluated in loads[:PEOPLE_LISTED]:
        share = _share(led, with_lead)
        rows.append(
            PersonLoad(
                subject=subject if full else None,
                projects_led=led,
                projects_sponsored=sponsored,
                projects_evaluated=evaluated,
                share_of_leads=share,
                flagged=share is not None and share > threshold,
            )
        )
    if not full and 0 < holders < SUPPRESS_BELOW:
        people_total, rows = None, []
        out.extend(["/key_person/people_total", "/key_person/people"])
    return KeyPerson(
        on=at.date(),
        threshold=threshold,
        projects_with_a_lead=with_lead,
        projects_lead_is_sponsor_is_evaluator=triples,
        active_members_distribution=[
            CountItem(key=bucket, count=buckets.get(bucket, 0)) for bucket in people.BUCKETS
        ],
        projects=listed,
        projects_truncated=len(risks) > PROJECTS_LISTED,
        people_total=people_total,
        people=rows,
        people_truncated=len(loads) > PEOPLE_LISTED,
    )


async def attainment_over_time(
    session: AsyncSession, project_id: uuid.UUID, as_of: dt.datetime
) -> AttainmentOverTime:
    markers = {
        (map_id, lineage, level): int(count)
        for map_id, lineage, level, count in await attainment.active_markers(session, project_id)
    }
    names = await attainment.partner_names(session, project_id)
    rated: dict[tuple[uuid.UUID, uuid.UUID, dt.date, dt.date], dict[MarkerLevel, tuple[int, int]]]
    rated = defaultdict(dict)
    for lineage, map_id, start, end, level, count, attained in await attainment.rated_per_period(
        session, project_id, as_of
    ):
        rated[(lineage, map_id, start, end)][level] = (int(count), int(attained or 0))
    series: dict[tuple[uuid.UUID, MarkerLevel], list[LevelPeriod]] = defaultdict(list)
    for (lineage, map_id, start, end), levels in rated.items():  # oldest period first
        for level in MarkerLevel:
            total = markers.get((map_id, lineage, level), 0)
            count, attained = levels.get(level, (0, 0))
            if total or count:
                series[(lineage, level)].append(
                    LevelPeriod(
                        period_start=start,
                        period_end=end,
                        markers=total,
                        rated=count,
                        attained=attained,
                        attainment_share=_share(attained, total),
                    )
                )
    order = {level: index for index, level in enumerate(MarkerLevel)}
    return AttainmentOverTime(
        project_id=project_id,
        as_of=as_of,
        series=[
            PartnerLevelSeries(
                lineage_id=lineage, name=names.get(lineage, ""), level=level, periods=periods
            )
            for (lineage, level), periods in sorted(
                series.items(),
                key=lambda item: (names.get(item[0][0], ""), str(item[0][0]), order[item[0][1]]),
            )
        ],
        definitions=ATTAINMENT_DEFINITIONS,
    )


async def project_scope(
    session: AsyncSession, platform: PlatformTables, principal: Principal, query: ProjectScopeQuery
) -> ProjectScope:
    """The projects another service's export covers (`POST /v1/aggregates/project-scope`), as
    the projects exports filter them: now, or as they stood at `as_of`. More than
    `MAX_PROJECT_IDS` is a 422 asking for a narrower filter, never a partial answer."""
    now = utcnow()
    if query.as_of is not None and query.as_of > now:
        raise AsOfInFuture(location="body")
    filters = {
        name: tuple(str(value) for value in values)
        for name, values in (
            ("directorate", query.directorate),
            ("stage", query.stage),
            ("pillar", query.pillar),
            ("status", query.status),
        )
        if values
    }
    ctx = ExportContext(
        connection=await session.connection(),
        platform=platform,
        principal=principal,
        filters=filters,
        as_of=query.as_of,
        updated_since=None,
        snapshot_at=now,
    )
    ids = await scope.project_ids(ctx, limit=MAX_PROJECT_IDS + 1)
    if len(ids) > MAX_PROJECT_IDS:
        raise ProjectScopeTooLarge(MAX_PROJECT_IDS, list(filters))
    return ProjectScope(project_ids=ids, as_of=query.as_of or now)
