"""Assemble the practitioner reads from the grouped rows the repository returns."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.insights import repository
from projects_service.insights.schemas import (
    Attainment,
    LatestPracticeRating,
    LevelAttainment,
    PartnerAttainment,
    PartnerCoverage,
    PersonLoad,
    PortfolioKeyPeople,
    PracticePeriod,
    PracticeProfile,
    PracticeRatingInPeriod,
    PracticeState,
    PracticeVersion,
    ProjectKeyPeople,
    ProjectPerson,
    RatingCounts,
    StrategyCoverage,
    TrendPoint,
)
from projects_service.journals.models import Rating
from projects_service.outcome_maps.models import MarkerLevel, Practice
from projects_service.team.models import EVALUATOR_ROLES, LEAD_ROLES, SPONSOR_ROLES, TeamRole
from shared.pagination import Pagination

LEVEL_WEIGHT = {
    MarkerLevel.expect_to_see: 1,
    MarkerLevel.like_to_see: 2,
    MarkerLevel.love_to_see: 3,
}
RATING_FACTOR = {
    None: 0.0,
    Rating.not_observed: 0.0,
    Rating.low: 1 / 3,
    Rating.medium: 2 / 3,
    Rating.high: 1.0,
}
ATTAINED = frozenset({Rating.medium, Rating.high})
CELLS = ("I1", "I2", "I3", "E1", "E2", "E3")


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def attainment(
    session: AsyncSession,
    project_id: uuid.UUID,
    *,
    as_of: dt.datetime,
    period_from: dt.date | None,
    period_to: dt.date | None,
) -> Attainment:
    outcome_map = await repository.agreed_map(session, project_id, as_of)
    if outcome_map is None:
        return Attainment(
            project_id=project_id, as_of=as_of, outcome_map_id=None, map_version=None, partners=[]
        )
    scope = repository.entries_as_of(
        project_id, as_of, period_from=period_from, period_to=period_to
    )
    partners = await repository.partners(session, outcome_map.id)
    counts = await repository.latest_rating_counts(session, outcome_map.id, scope)
    trend_rows = await repository.trend(session, scope)
    surprises: dict[uuid.UUID, int] = defaultdict(int)
    for lineage_id, change in await repository.unanticipated(session, scope):
        if change:
            surprises[lineage_id] += 1

    grouped: dict[tuple[uuid.UUID, MarkerLevel], RatingCounts] = defaultdict(RatingCounts)
    depth: dict[uuid.UUID, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for partner_id, level, rating, markers, weight in counts:
        bucket = grouped[(partner_id, level)]
        name = "unrated" if rating is None else str(rating)
        setattr(bucket, name, getattr(bucket, name) + int(markers))
        depth[partner_id][0] += LEVEL_WEIGHT[level] * RATING_FACTOR[rating] * int(weight)
        depth[partner_id][1] += LEVEL_WEIGHT[level] * int(weight)

    trends: dict[uuid.UUID, list[TrendPoint]] = defaultdict(list)
    for entry_id, lineage_id, start, end, rated, attained in trend_rows:
        trends[lineage_id].append(
            TrendPoint(
                journal_entry_id=entry_id,
                period_start=start,
                period_end=end,
                rated=int(rated),
                attained=int(attained),
                attainment_share=_share(int(attained), int(rated)),
            )
        )

    result = []
    for partner in partners:
        levels = []
        for level in MarkerLevel:
            bucket = grouped.get((partner.id, level), RatingCounts())
            total = bucket.not_observed + bucket.low + bucket.medium + bucket.high + bucket.unrated
            attained = bucket.medium + bucket.high
            levels.append(
                LevelAttainment(
                    level=level,
                    active_markers=total,
                    latest_ratings=bucket,
                    attained=attained,
                    attainment_share=_share(attained, total),
                )
            )
        achieved, maximum = depth[partner.id]
        result.append(
            PartnerAttainment(
                boundary_partner_id=partner.id,
                lineage_id=partner.lineage_id,
                name=partner.name,
                levels=levels,
                depth_index=round(achieved / maximum, 4) if maximum else None,
                unanticipated_changes=surprises[partner.lineage_id],
                trend=trends[partner.lineage_id],
            )
        )
    return Attainment(
        project_id=project_id,
        as_of=as_of,
        outcome_map_id=outcome_map.id,
        map_version=outcome_map.map_version,
        partners=result,
    )


async def coverage(
    session: AsyncSession, project_id: uuid.UUID, *, as_of: dt.datetime, stale_after_days: int
) -> StrategyCoverage:
    outcome_map = await repository.agreed_map(session, project_id, as_of)
    totals = dict.fromkeys(CELLS, 0)
    if outcome_map is None:
        return StrategyCoverage(
            project_id=project_id,
            as_of=as_of,
            outcome_map_id=None,
            map_version=None,
            stale_after_days=stale_after_days,
            totals=totals,
            partners=[],
        )
    partners = await repository.partners(session, outcome_map.id)
    cells: dict[uuid.UUID, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CELLS, 0))
    for partner_id, cell, count in await repository.strategy_cells(session, outcome_map.id):
        cells[partner_id][cell] = int(count)
        totals[cell] += int(count)
    last = await repository.last_journal_periods(
        session, repository.entries_as_of(project_id, as_of)
    )
    cutoff = as_of.date() - dt.timedelta(days=stale_after_days)
    result = []
    for partner in partners:
        partner_cells = cells[partner.id]
        strategies = sum(partner_cells.values())
        last_end = last.get(partner.lineage_id)
        flags = (["no_strategies"] if strategies == 0 else []) + (
            ["no_recent_journal"] if last_end is None or last_end < cutoff else []
        )
        result.append(
            PartnerCoverage(
                boundary_partner_id=partner.id,
                lineage_id=partner.lineage_id,
                name=partner.name,
                cells=partner_cells,
                strategies=strategies,
                last_journal_period_end=last_end,
                flags=flags,
            )
        )
    return StrategyCoverage(
        project_id=project_id,
        as_of=as_of,
        outcome_map_id=outcome_map.id,
        map_version=outcome_map.map_version,
        stale_after_days=stale_after_days,
        totals=totals,
        partners=result,
    )


async def practice_profile(
    session: AsyncSession, project_id: uuid.UUID, *, as_of: dt.datetime
) -> PracticeProfile:
    """What the map versions say (practices in use) next to what the performance journal
    recorded (ratings per period), both as they stood at `as_of`."""
    versions: dict[uuid.UUID, PracticeVersion] = {}
    for (
        map_id,
        number,
        agreed_at,
        superseded_at,
        practice,
        in_use,
        key_actions,
    ) in await repository.practice_versions(session, project_id, as_of):
        version = versions.setdefault(
            map_id,
            PracticeVersion(
                outcome_map_id=map_id,
                map_version=number,
                agreed_at=agreed_at,
                # A supersession after `as_of` had not happened yet.
                superseded_at=superseded_at if superseded_at and superseded_at <= as_of else None,
                in_use=0,
                practices=[],
            ),
        )
        version.practices.append(
            PracticeState(practice=practice, in_use=in_use, key_actions=key_actions)
        )
        version.in_use += int(in_use)

    periods: dict[uuid.UUID, PracticePeriod] = {}
    described: dict[uuid.UUID, dict[Practice, Rating | None]] = defaultdict(dict)
    for entry_id, map_id, start, end, practice, rating in await repository.practice_ratings(
        session, project_id, as_of
    ):
        periods.setdefault(
            entry_id,
            PracticePeriod(
                journal_entry_id=entry_id,
                outcome_map_id=map_id,
                period_start=start,
                period_end=end,
                practices=[],
            ),
        )
        if practice is not None:
            described[entry_id][practice] = rating
    latest = {
        practice: LatestPracticeRating(practice=practice, rating=None, period_end=None)
        for practice in Practice
    }
    for entry_id, period in periods.items():  # oldest period first: later ones overwrite
        rated = described[entry_id]
        period.practices = [
            PracticeRatingInPeriod(
                practice=practice, described=practice in rated, rating=rated.get(practice)
            )
            for practice in Practice
        ]
        for practice, rating in rated.items():
            if rating is not None:
                latest[practice] = LatestPracticeRating(
                    practice=practice, rating=rating, period_end=period.period_end
                )
    return PracticeProfile(
        project_id=project_id,
        as_of=as_of,
        versions=list(versions.values()),
        periods=list(periods.values()),
        latest=list(latest.values()),
    )


def _key_roles(roles: set[TeamRole]) -> int:
    return sum(bool(roles & group) for group in (LEAD_ROLES, SPONSOR_ROLES, EVALUATOR_ROLES))


async def project_key_people(
    session: AsyncSession, project_id: uuid.UUID, *, on: dt.date
) -> ProjectKeyPeople:
    roles: dict[str, set[TeamRole]] = defaultdict(set)
    for subject, role in await repository.active_roles(session, project_id, on):
        roles[subject].add(role)
    people = [ProjectPerson(subject=s, roles=sorted(r)) for s, r in sorted(roles.items())]
    holders = {
        name: {s for s, r in roles.items() if r & group}
        for name, group in (
            ("lead", LEAD_ROLES),
            ("sponsor", SPONSOR_ROLES),
            ("evaluator", EVALUATOR_ROLES),
        )
    }
    triple = bool(holders["lead"] & holders["sponsor"] & holders["evaluator"])
    return ProjectKeyPeople(
        project_id=project_id,
        on=on,
        active_members=len(roles),
        people=people,
        concentrated_people=sorted(s for s, r in roles.items() if _key_roles(r) >= 2),
        lead_is_sponsor_is_evaluator=triple,
    )


async def portfolio_key_people(
    session: AsyncSession,
    pagination: Pagination,
    *,
    on: dt.date,
    subject: str | None,
    threshold: float,
) -> PortfolioKeyPeople:
    """One page of people, their loads counted by the database (`repository`)."""
    with_lead = await repository.projects_with_a_lead(session, on)
    rows = await pagination.rows(
        session,
        repository.portfolio_load_statement(on, subject),
        id_column=repository.subject_column,
        scalars=False,
    )
    people = []
    for person, projects, led, sponsored, evaluated in rows.items:
        share = _share(int(led), with_lead)
        people.append(
            PersonLoad(
                subject=person,
                project_count=projects,
                led_count=led,
                sponsored_count=sponsored,
                evaluated_count=evaluated,
                share_of_leads=share,
                flagged=share is not None and share > threshold,
            )
        )
    return PortfolioKeyPeople(
        on=on,
        projects_with_a_lead=with_lead,
        threshold=threshold,
        items=people,
        next_cursor=rows.next_cursor,
    )
