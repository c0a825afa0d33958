"""Aggregates: the portfolio queries (engagement coverage, relationship ownership, inclusivity).

Every figure is grouped by the database; what comes back is a row per (project, IAP2 level),
per relationship owner, or one count. A set of projects is bound as ONE parameter
(`shared.id_sets.in_id_set`), never an id per parameter. `as_of` is honoured by leaving out
every row recorded after it (`created_at`) and by taking each stakeholder's latest snapshot at
it; the project-at-a-date queries are in `project.py`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    distinct,
    func,
    or_,
    select,
    true,
    union,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.id_sets import in_id_set
from stakeholders_service.aggregates.repository import unindexed
from stakeholders_service.engagements.models import Engagement, EngagementProject, EngagementStatus
from stakeholders_service.involvement.models import InvolvementRole
from stakeholders_service.mapping.models import StakeholderAssessment
from stakeholders_service.stakeholders.models import ProjectLink, Stakeholder
from stakeholders_service.vocabulary import Iap2Level

E, EP, PL, IR, A = (
    Engagement,
    EngagementProject,
    ProjectLink,
    InvolvementRole,
    StakeholderAssessment,
)

# Above this many ids, SQLite is told not to drive a query from the id list (see `unindexed`):
# measured on 10,000 projects and 100,000 engagements, the list wins at 500 ids (120 ms against
# 260 for the coverage) and loses at 10,000 (1.3 s against 0.36).
LARGE_ID_SET = 2_000

# IAP2 levels at which the public shapes the work (`involve` and above).
INVOLVING = tuple(level for level in Iap2Level if not level.below(Iap2Level.involve))


@dataclass(frozen=True)
class Scope:
    """What a portfolio aggregate counts: recorded by `as_of`, held in `start`..`end` (`end`
    never after `as_of`), of the projects `project_ids` (None: every project)."""

    as_of: dt.datetime
    start: dt.datetime | None
    end: dt.datetime
    project_ids: Collection[uuid.UUID] | None
    dialect: str

    def of_projects(self, column: Any, name: str = "id_set") -> ColumnElement[bool]:
        """`column` (a project id) is of the set; a large set is tested row by row instead of
        driving the query (`LARGE_ID_SET`)."""
        if self.project_ids is None:
            return true()
        if len(self.project_ids) > LARGE_ID_SET:
            column = unindexed(column)
        return in_id_set(column, self.project_ids, dialect=self.dialect, name=name)


def engagement_conditions(scope: Scope) -> list[ColumnElement[bool]]:
    """The engagements a period counts: recorded by `as_of`, held in the period, not cancelled
    (the status as it is now: the time of a cancellation is not kept)."""
    conditions = [
        E.created_at <= scope.as_of,
        E.held_at <= scope.end,
        E.status != EngagementStatus.cancelled,
    ]
    if scope.start is not None:
        conditions.append(E.held_at >= scope.start)
    return conditions


async def coverage_rows(
    session: AsyncSession, scope: Scope
) -> Sequence[Row[uuid.UUID, *tuple[int, ...]]]:
    """(project, engagements at each IAP2 level in IAP2 order) per project with at least one:
    a row per project, not per (project, level), since the rows are what costs here."""
    per_level = [func.count().filter(E.iap2_level == level) for level in Iap2Level]
    statement = (
        select(EP.project_id, *per_level)
        .join(E, E.id == EP.engagement_id)
        .where(scope.of_projects(EP.project_id), *engagement_conditions(scope))
        .group_by(EP.project_id)
    )
    rows: Sequence[Row[uuid.UUID, *tuple[int, ...]]] = (await session.execute(statement)).all()
    return rows


async def engagements_by_level(
    session: AsyncSession, scope: Scope
) -> Sequence[Row[Iap2Level, int]]:
    """(IAP2 level, distinct engagements touching the set): one touching two projects once."""
    statement = select(E.iap2_level, func.count()).where(*engagement_conditions(scope))
    if scope.project_ids is not None:
        touching = select(EP.engagement_id).where(scope.of_projects(EP.project_id))
        statement = statement.where(E.id.in_(touching))
    return (await session.execute(statement.group_by(E.iap2_level))).all()


def _links(scope: Scope) -> Select[uuid.UUID, str]:
    """The project links counted: recorded by `as_of`, of a project of the set."""
    return select(PL.stakeholder_id, PL.relationship_owner).where(
        PL.created_at <= scope.as_of, scope.of_projects(PL.project_id)
    )


async def relationship_totals(session: AsyncSession, scope: Scope) -> tuple[int, int]:
    """(relationships, those with more than one owner): a relationship is a stakeholder with
    at least one link to a project of the set."""
    links = _links(scope).subquery("links")
    per_stakeholder = (
        select(func.count(distinct(links.c.relationship_owner)).label("owners"))
        .group_by(links.c.stakeholder_id)
        .subquery("per_stakeholder")
    )
    statement = select(func.count(), func.count().filter(per_stakeholder.c.owners > 1)).select_from(
        per_stakeholder
    )
    total, shared = (await session.execute(statement)).one()
    return int(total), int(shared)


async def owner_rows(session: AsyncSession, scope: Scope) -> Sequence[Row[str, int, int]]:
    """(owner, relationships with a link they own, relationships they alone own) per owner."""
    links = _links(scope).subquery("links")
    owners = (
        select(
            links.c.stakeholder_id,
            func.count(distinct(links.c.relationship_owner)).label("owners"),
        )
        .group_by(links.c.stakeholder_id)
        .subquery("owners")
    )
    sole = func.count(distinct(links.c.stakeholder_id)).filter(owners.c.owners == 1)
    statement = (
        select(links.c.relationship_owner, func.count(distinct(links.c.stakeholder_id)), sole)
        .join(owners, owners.c.stakeholder_id == links.c.stakeholder_id)
        .group_by(links.c.relationship_owner)
    )
    return (await session.execute(statement)).all()


def involvement_overlaps(scope: Scope) -> list[ColumnElement[bool]]:
    """Involvement roles recorded by `as_of` and held at some time in the period (by date)."""
    conditions = [IR.created_at <= scope.as_of, IR.start_date <= scope.end.date()]
    if scope.start is not None:
        conditions.append(or_(IR.end_date.is_(None), IR.end_date >= scope.start.date()))
    return conditions


def contributor_snapshots(scope: Scope) -> Any:
    """The latest snapshot at `as_of` of each (project of the set, public contributor) pair.
    Being a contributor is a fact of the stakeholder, so the pairs are chosen before the window,
    which then ranks only their snapshots."""
    return (
        select(
            A.project_id,
            A.current_level,
            func.row_number()
            .over(
                partition_by=(A.project_id, A.stakeholder_id),
                order_by=(A.assessed_at.desc(), A.id.desc()),
            )
            .label("rank"),
        )
        .join(Stakeholder, Stakeholder.id == A.stakeholder_id)
        .where(
            Stakeholder.is_public_contributor,
            A.assessed_at <= scope.as_of,
            A.created_at <= scope.as_of,
            scope.of_projects(A.project_id, name="snapshot_id_set"),
        )
        .subquery("ranked")
    )


async def projects_with_public_involvement(session: AsyncSession, scope: Scope) -> int:
    """Projects where the public is involved at `involve` or above: an involvement (PPI) role
    held in the period, or a public contributor whose latest snapshot at `as_of` is at `involve`
    or above."""
    by_role = select(IR.project_id).where(
        scope.of_projects(IR.project_id, name="role_id_set"), *involvement_overlaps(scope)
    )
    ranked = contributor_snapshots(scope).c
    by_snapshot = select(ranked.project_id).where(
        ranked.rank == 1, ranked.current_level.in_([level.value for level in INVOLVING])
    )
    projects = union(by_role, by_snapshot).subquery("involved")
    return int(await session.scalar(select(func.count()).select_from(projects)) or 0)
