"""Aggregates: the portfolio engagement aggregate (coverage, relationship ownership per person,
inclusivity) over a set of projects; the views are `common.full_view`'s."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.problems import Forbidden
from shared.suppression import THRESHOLD, suppress
from stakeholders_service.aggregates import definitions
from stakeholders_service.aggregates.repository import dialect_of, portfolio as repository
from stakeholders_service.aggregates.repository.portfolio import Scope
from stakeholders_service.aggregates.schemas import (
    DEFAULT_OWNER_FLAG_SHARE,
    Coverage,
    EngagementAggregate,
    EngagementQuery,
    Inclusivity,
    LevelCounts,
    OwnerRow,
    Ownership,
    Period,
    ProjectCoverage,
)
from stakeholders_service.aggregates.service.common import (
    full_view,
    level_counts,
    period_end,
    resolve_as_of,
    share,
)
from stakeholders_service.vocabulary import Iap2Level

LEVELS = tuple(Iap2Level)
LEVEL_NAMES = tuple(level.value for level in LEVELS)


async def engagement_aggregate(
    session: AsyncSession, *, query: EngagementQuery, principal: Principal
) -> EngagementAggregate:
    """Coverage, relationship ownership and inclusivity over a set of projects."""
    as_of = resolve_as_of(query.as_of)
    end = period_end(as_of, query.period_from, query.period_to)
    ids = None if query.project_ids is None else set(query.project_ids)
    scope = Scope(
        as_of=as_of,
        start=query.period_from,
        end=end,
        project_ids=ids,
        dialect=dialect_of(session),
    )
    requested = None if ids is None else len(ids)
    suppressed: list[str] = []
    coverage = await _coverage(session, scope, requested)
    full = full_view(principal)
    if query.owner_flag_share is not None and not full:
        # Moving the flag over a hidden share would find it out, one request at a time.
        raise Forbidden("Setting `owner_flag_share` needs the governance or admin role.")
    flag_share = query.owner_flag_share
    ownership = await _ownership(
        session,
        scope,
        flag_share=DEFAULT_OWNER_FLAG_SHARE if flag_share is None else flag_share,
        full=full,
        suppressed=suppressed,
    )
    involved = await repository.projects_with_public_involvement(session, scope)
    return EngagementAggregate(
        as_of=as_of,
        period=Period(period_from=query.period_from, period_to=end),
        coverage=coverage,
        ownership=ownership,
        inclusivity=Inclusivity(
            projects_requested=requested,
            projects_with_public_involvement=involved,
            share=share(involved, requested),
        ),
        suppressed=suppressed,
        definitions=definitions.ENGAGEMENT,
    )


async def _coverage(session: AsyncSession, scope: Scope, requested: int | None) -> Coverage:
    # Up to a row per project of the portfolio: kept to tuples until the models are built.
    rows = sorted(await repository.coverage_rows(session, scope), key=lambda row: row[0])
    totals = {level: int(n) for level, n in await repository.engagements_by_level(session, scope)}
    return Coverage(
        projects_requested=requested,
        projects_with_engagement=len(rows),
        share=share(len(rows), requested),
        engagements=sum(totals.values()),
        by_iap2_level=level_counts(totals),
        projects=[_project_coverage(row[0], tuple(int(n) for n in row[1:])) for row in rows],
    )


def _project_coverage(project_id: uuid.UUID, counts: tuple[int, ...]) -> ProjectCoverage:
    """`counts` in IAP2 order; the highest level is the last one with an engagement."""
    highest = max(index for index, n in enumerate(counts) if n)
    return ProjectCoverage(
        project_id=project_id,
        engagements=sum(counts),
        by_iap2_level=LevelCounts(**dict(zip(LEVEL_NAMES, counts, strict=True))),
        highest_level=LEVELS[highest],
    )


async def _ownership(
    session: AsyncSession,
    scope: Scope,
    *,
    flag_share: float,
    full: bool,
    suppressed: list[str],
) -> Ownership:
    relationships, shared = await repository.relationship_totals(session, scope)
    rows = sorted(
        (
            (str(owner), int(owned), int(sole))
            for owner, owned, sole in await repository.owner_rows(session, scope)
        ),
        key=lambda row: (-row[2], -row[1], row[0]),
    )
    flags = [relationships > 0 and sole / relationships > flag_share for _, _, sole in rows]
    if full:
        return Ownership(
            flag_share=flag_share,
            relationships=relationships,
            shared_relationships=shared,
            flagged=sum(flags),
            people=[
                OwnerRow(
                    subject=owner,
                    owned=owned,
                    sole_owned=sole,
                    share=share(sole, relationships),
                    flagged=flag,
                )
                for (owner, owned, sole), flag in zip(rows, flags, strict=True)
            ],
        )
    # The sole-owned counts and the shared ones partition the relationships: suppress them as
    # one distribution, so no hidden count follows from the total.
    cells = {str(index): sole for index, (_, _, sole) in enumerate(rows)} | {"shared": shared}
    distribution = suppress("sole_owned", cells)
    hidden = {cell.value for cell in distribution.cells if cell.suppressed}
    people = []
    for index, ((_, owned, sole), flag) in enumerate(zip(rows, flags, strict=True)):
        hide = str(index) in hidden
        if hide:
            suppressed += [
                f"/ownership/people/{index}/sole_owned",
                f"/ownership/people/{index}/share",
            ]
        if owned < THRESHOLD:
            suppressed.append(f"/ownership/people/{index}/owned")
        people.append(
            OwnerRow(
                subject=None,
                owned=owned if owned >= THRESHOLD else None,
                sole_owned=None if hide else sole,
                share=None if hide else share(sole, relationships),
                flagged=flag,
            )
        )
    if "shared" in hidden:
        suppressed.append("/ownership/shared_relationships")
    if distribution.total is None:
        suppressed.append("/ownership/relationships")
    return Ownership(
        flag_share=flag_share,
        relationships=distribution.total,
        shared_relationships=None if "shared" in hidden else shared,
        flagged=sum(flags),
        people=people,
    )
