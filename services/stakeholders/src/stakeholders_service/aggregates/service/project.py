"""Aggregates: one project's engagement picture at a date, for the evidence pack and dossier."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.suppression import Distribution, suppress, suppressed_count
from stakeholders_service.aggregates import definitions
from stakeholders_service.aggregates.repository import dialect_of, project as repository
from stakeholders_service.aggregates.repository.project import ProjectScope
from stakeholders_service.aggregates.schemas import (
    Engagements,
    Feedback,
    GapCount,
    Iap2Row,
    Involvement,
    Period,
    ProjectEngagement,
    ProjectEngagementQuery,
    PublicContributors,
    QuadrantCount,
    Relationships,
    SalienceCount,
    StakeholderPicture,
    StandardRow,
    Standards,
    TypeCount,
)
from stakeholders_service.aggregates.service.common import (
    full_view,
    level_counts,
    period_end,
    resolve_as_of,
    share,
)
from stakeholders_service.engagements.models import EngagementStatus, EngagementType
from stakeholders_service.involvement.models import (
    InvolvementRoleType,
    InvolvementStage,
    StandardLevel,
    UkStandard,
)
from stakeholders_service.mapping.rules import MendelowQuadrant, SalienceClass
from stakeholders_service.vocabulary import Iap2Level


async def project_engagement(
    session: AsyncSession,
    *,
    query: ProjectEngagementQuery,
    principal: Principal,
    threshold: int,
) -> ProjectEngagement:
    as_of = resolve_as_of(query.as_of)
    end = period_end(as_of, query.period_from, None)
    scope = ProjectScope(
        project_id=query.project_id,
        as_of=as_of,
        start=query.period_from,
        dialect=dialect_of(session),
    )
    full = full_view(principal)
    suppressed: list[str] = []
    return ProjectEngagement(
        project_id=query.project_id,
        as_of=as_of,
        period=Period(period_from=query.period_from, period_to=end),
        stakeholders=await _stakeholders(
            session, scope, threshold, full=full, suppressed=suppressed
        ),
        engagements=await _engagements(session, scope, full=full, suppressed=suppressed),
        feedback=await _feedback(session, scope),
        involvement=await _involvement(session, scope, full=full, suppressed=suppressed),
        public_contributors=await _public_contributors(
            session, scope, full=full, suppressed=suppressed
        ),
        standards=await _standards(session, scope),
        suppressed=suppressed,
        definitions=definitions.PROJECT,
    )


async def _stakeholders(
    session: AsyncSession,
    scope: ProjectScope,
    threshold: int,
    *,
    full: bool,
    suppressed: list[str],
) -> StakeholderPicture:
    quadrants: Counter[str] = Counter()
    salience: Counter[str] = Counter()
    current: Counter[Iap2Level] = Counter()
    target: Counter[Iap2Level] = Counter()
    gaps: Counter[int] = Counter()
    for quadrant, salience_class, now, aim, gap, count in await repository.map_counts(
        session, scope, threshold
    ):
        quadrants[quadrant] += count
        salience[salience_class] += count
        current[Iap2Level(now)] += count
        target[Iap2Level(aim)] += count
        gaps[int(gap)] += count
    return StakeholderPicture(
        threshold=threshold,
        assessed=sum(quadrants.values()),
        mendelow=[QuadrantCount(quadrant=q, count=quadrants[q.value]) for q in MendelowQuadrant],
        salience=[SalienceCount(salience_class=c, count=salience[c.value]) for c in SalienceClass],
        iap2=[
            Iap2Row(level=level, current=current[level], target=target[level])
            for level in Iap2Level
        ],
        below_target=sum(n for gap, n in gaps.items() if gap > 0),
        engagement_gap=[GapCount(gap=gap, count=gaps[gap]) for gap in range(1, 5)],
        relationships=await _relationships(session, scope, full=full, suppressed=suppressed),
    )


RATINGS = range(1, 6)
TRENDS = ("improving", "steady", "worsening")


def _trend(latest: int, previous: int) -> str:
    return "improving" if latest > previous else "worsening" if latest < previous else "steady"


def _distribution(
    name: str, counts: Counter[str], keys: Sequence[str], *, full: bool, suppressed: list[str]
) -> Distribution:
    """`counts` over `keys` (all of them, zeros too), suppressed for the suppressed view and
    the hidden cells listed under `/stakeholders/relationships/<name>`."""
    # The full view hides nothing: a threshold of 0 shows every cell.
    shown = suppress(name, {k: counts[k] for k in keys}, threshold=0 if full else 5)
    pointer = f"/stakeholders/relationships/{name}"
    suppressed += [f"{pointer}/cells/{i}" for i, cell in enumerate(shown.cells) if cell.suppressed]
    if shown.total is None:
        suppressed.append(f"{pointer}/total")
    return shown


async def _relationships(
    session: AsyncSession, scope: ProjectScope, *, full: bool, suppressed: list[str]
) -> Relationships:
    quality: Counter[str] = Counter()
    trust: Counter[str] = Counter()
    quality_trend: Counter[str] = Counter()
    trust_trend: Counter[str] = Counter()
    for now_quality, now_trust, was_quality, was_trust, count in await repository.rating_pairs(
        session, scope
    ):
        quality[str(now_quality)] += count
        trust[str(now_trust)] += count
        # A stakeholder with one snapshot has no trend (both previous ratings are null).
        if was_quality is not None:
            quality_trend[_trend(now_quality, was_quality)] += count
            trust_trend[_trend(now_trust, was_trust)] += count
    ratings = [str(r) for r in RATINGS]

    def shown(name: str, counts: Counter[str], keys: Sequence[str]) -> Distribution:
        return _distribution(name, counts, keys, full=full, suppressed=suppressed)

    return Relationships(
        relationship_quality=shown("relationship_quality", quality, ratings),
        trust=shown("trust", trust, ratings),
        relationship_quality_trend=shown("relationship_quality_trend", quality_trend, TRENDS),
        trust_trend=shown("trust_trend", trust_trend, TRENDS),
    )


def _people(name: str, count: int, *, full: bool, suppressed: list[str]) -> int | None:
    """A count of people: null below 5 in the suppressed view (and `name` listed)."""
    if full:
        return count
    shown = suppressed_count(count)
    if shown is None:
        suppressed.append(name)
    return shown


async def _engagements(
    session: AsyncSession, scope: ProjectScope, *, full: bool, suppressed: list[str]
) -> Engagements:
    levels: Counter[Iap2Level] = Counter()
    types: Counter[EngagementType] = Counter()
    completed = anonymous = 0
    for level, type_, status, count, attendees in await repository.engagement_counts(
        session, scope
    ):
        levels[Iap2Level(level)] += count
        types[EngagementType(type_)] += count
        if status == EngagementStatus.completed:
            completed += count
        anonymous += int(attendees)
    attended = await repository.attended_people(session, scope)
    return Engagements(
        total=sum(levels.values()),
        completed=completed,
        by_iap2_level=level_counts(dict(levels)),
        by_type=[TypeCount(type=t, count=types[t]) for t in EngagementType if types[t]],
        attended_participants=_people(
            "/engagements/attended_participants", attended, full=full, suppressed=suppressed
        ),
        anonymous_attendees=_people(
            "/engagements/anonymous_attendees", anonymous, full=full, suppressed=suppressed
        ),
    )


async def _feedback(session: AsyncSession, scope: ProjectScope) -> Feedback:
    items, responded, closed = await repository.feedback_counts(session, scope)
    middle = await repository.middle_responses(session, scope, responded)
    days = [(answered - raised).total_seconds() / 86400 for raised, answered in middle]
    return Feedback(
        items=items,
        responded=responded,
        closed=closed,
        closure_rate=share(closed, items),
        # The median of an even count is the mean of the middle two, as `statistics.median`.
        median_days_to_response=round(sum(days) / len(days), 1) if days else None,
    )


async def _involvement(
    session: AsyncSession, scope: ProjectScope, *, full: bool, suppressed: list[str]
) -> Involvement:
    contributors = await repository.contributors(session, scope)
    roles = {str(role): int(n) for role, n in await repository.people_by_role(session, scope)}
    stages = {str(s): int(n) for s, n in await repository.people_by_stage(session, scope)}
    # The full view hides nothing: a threshold of 0 shows every cell.
    threshold = 0 if full else 5
    by_role = suppress(
        "role", {t.value: roles.get(t.value, 0) for t in InvolvementRoleType}, threshold=threshold
    )
    by_stage = suppress(
        "stage", {s.value: stages.get(s.value, 0) for s in InvolvementStage}, threshold=threshold
    )
    for pointer, distribution in (("by_role", by_role), ("by_stage", by_stage)):
        suppressed += [
            f"/involvement/{pointer}/cells/{index}"
            for index, cell in enumerate(distribution.cells)
            if cell.suppressed
        ]
        if distribution.total is None:
            suppressed.append(f"/involvement/{pointer}/total")
    return Involvement(
        contributors=_people(
            "/involvement/contributors", contributors, full=full, suppressed=suppressed
        ),
        by_role=by_role,
        by_stage=by_stage,
    )


async def _public_contributors(
    session: AsyncSession, scope: ProjectScope, *, full: bool, suppressed: list[str]
) -> PublicContributors:
    levels = {
        Iap2Level(level): int(n) for level, n in await repository.contributor_levels(session, scope)
    }
    order = list(Iap2Level)
    return PublicContributors(
        assessed=_people(
            "/public_contributors/assessed", sum(levels.values()), full=full, suppressed=suppressed
        ),
        # The level is shown even when the count is hidden: a gate rule needs it, and a level
        # alone does not reveal how many people hold it.
        highest_level=max(levels, key=order.index) if levels else None,
    )


async def _standards(session: AsyncSession, scope: ProjectScope) -> Standards:
    latest = await repository.latest_standards(session, scope)
    levels = {r["standard"]: r["level"] for r in latest.ratings} if latest else {}
    return Standards(
        period=latest.period if latest else None,
        recorded_at=latest.created_at if latest else None,
        ratings=[
            StandardRow(
                standard=standard,
                level=StandardLevel(levels[standard.value]) if standard.value in levels else None,
            )
            for standard in UkStandard
        ],
    )
