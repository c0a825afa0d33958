"""The practitioner reads, as SQL: counts are grouped in the database, the arithmetic on a
handful of counts happens in Python. Every read issues a fixed number of statements."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from projects_service.journals.models import (
    JournalEntryMixin,
    JournalStatus,
    MarkerRating,
    OutcomeJournalEntry,
    PerformanceJournalEntry,
    PracticeJournalEntry,
    Rating,
)
from projects_service.outcome_maps.models import (
    BoundaryPartner,
    MarkerState,
    OrganisationalPractice,
    OutcomeMap,
    ProgressMarker,
    Strategy,
)
from projects_service.outcome_maps.repository import map_agreed_at
from projects_service.projects.models import Project, ProjectStatus
from projects_service.team.models import (
    EVALUATOR_ROLES,
    LEAD_ROLES,
    SPONSOR_ROLES,
    TeamMembership,
    TeamRole,
)
from projects_service.team.repository import active_on

LIVE = (JournalStatus.submitted, JournalStatus.reviewed, JournalStatus.amended)
J = TypeVar("J", bound=JournalEntryMixin)


async def agreed_map(
    session: AsyncSession, project_id: uuid.UUID, as_of: dt.datetime
) -> OutcomeMap | None:
    outcome_map: OutcomeMap | None = await session.scalar(map_agreed_at(project_id, as_of))
    return outcome_map


async def partners(session: AsyncSession, map_id: uuid.UUID) -> Sequence[BoundaryPartner]:
    statement = (
        select(BoundaryPartner)
        .where(BoundaryPartner.outcome_map_id == map_id)
        .order_by(BoundaryPartner.position)
    )
    return (await session.scalars(statement)).all()


def live_as_of(model: type[J], project_id: uuid.UUID, as_of: dt.datetime) -> list[Any]:
    """Conditions for a journal's entries as they stood at `as_of`: submitted by then, and not
    yet replaced by an amendment submitted by then (an entry amended later still counts before
    the amendment). The same for all three journals."""
    amendment = aliased(model)
    return [
        model.project_id == project_id,
        model.status.in_(LIVE),
        model.submitted_at <= as_of,
        ~exists().where(
            amendment.amends_id == model.id,
            amendment.submitted_at.is_not(None),
            amendment.submitted_at <= as_of,
        ),
    ]


def entries_as_of(
    project_id: uuid.UUID,
    as_of: dt.datetime,
    *,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> Any:
    """Outcome journal entries in scope at `as_of` (see `live_as_of`), as a subquery."""
    statement = select(
        OutcomeJournalEntry.id,
        OutcomeJournalEntry.partner_lineage_id,
        OutcomeJournalEntry.period_start,
        OutcomeJournalEntry.period_end,
        OutcomeJournalEntry.submitted_at,
    ).where(*live_as_of(OutcomeJournalEntry, project_id, as_of))
    if period_from is not None:
        statement = statement.where(OutcomeJournalEntry.period_end >= period_from)
    if period_to is not None:
        statement = statement.where(OutcomeJournalEntry.period_start <= period_to)
    return statement.subquery("scope")


async def latest_rating_counts(
    session: AsyncSession, map_id: uuid.UUID, scope: Any
) -> Sequence[Any]:
    """Per partner, level and latest rating: how many active markers of the version, and their
    summed weights (for the depth index). Unrated markers come back with rating NULL."""
    ranked = (
        select(
            MarkerRating.marker_lineage_id,
            MarkerRating.rating,
            func.row_number()
            .over(
                partition_by=MarkerRating.marker_lineage_id,
                order_by=(scope.c.period_end.desc(), scope.c.submitted_at.desc()),
            )
            .label("rank"),
        )
        .join(scope, scope.c.id == MarkerRating.entry_id)
        .subquery("ranked")
    )
    statement = (
        select(
            ProgressMarker.boundary_partner_id,
            ProgressMarker.level,
            ranked.c.rating,
            func.count().label("markers"),
            func.sum(ProgressMarker.weight).label("weight"),
        )
        .outerjoin(
            ranked,
            and_(ranked.c.marker_lineage_id == ProgressMarker.lineage_id, ranked.c.rank == 1),
        )
        .where(ProgressMarker.outcome_map_id == map_id, ProgressMarker.state == MarkerState.active)
        .group_by(ProgressMarker.boundary_partner_id, ProgressMarker.level, ranked.c.rating)
    )
    return (await session.execute(statement)).all()


async def trend(session: AsyncSession, scope: Any) -> Sequence[Any]:
    """Per entry in scope: ratings given and how many were medium or high."""
    attained = case((MarkerRating.rating.in_((Rating.medium, Rating.high)), 1), else_=0)
    statement = (
        select(
            scope.c.id,
            scope.c.partner_lineage_id,
            scope.c.period_start,
            scope.c.period_end,
            func.count(MarkerRating.id).label("rated"),
            func.coalesce(func.sum(attained), 0).label("attained"),
        )
        .select_from(scope)
        .outerjoin(MarkerRating, MarkerRating.entry_id == scope.c.id)
        .group_by(scope.c.id, scope.c.partner_lineage_id, scope.c.period_start, scope.c.period_end)
        .order_by(scope.c.period_start)
    )
    return (await session.execute(statement)).all()


async def unanticipated(session: AsyncSession, scope: Any) -> Sequence[Any]:
    statement = select(
        OutcomeJournalEntry.partner_lineage_id, OutcomeJournalEntry.unanticipated_change
    ).join(scope, scope.c.id == OutcomeJournalEntry.id)
    return (await session.execute(statement)).all()


async def strategy_cells(session: AsyncSession, map_id: uuid.UUID) -> Sequence[Any]:
    statement = (
        select(Strategy.boundary_partner_id, Strategy.cell_code, func.count().label("strategies"))
        .where(Strategy.outcome_map_id == map_id)
        .group_by(Strategy.boundary_partner_id, Strategy.cell_code)
    )
    return (await session.execute(statement)).all()


async def last_journal_periods(session: AsyncSession, scope: Any) -> dict[uuid.UUID, dt.date]:
    statement = select(scope.c.partner_lineage_id, func.max(scope.c.period_end)).group_by(
        scope.c.partner_lineage_id
    )
    return {row[0]: row[1] for row in (await session.execute(statement)).all()}


async def practice_versions(
    session: AsyncSession, project_id: uuid.UUID, as_of: dt.datetime
) -> Sequence[Any]:
    statement = (
        select(
            OutcomeMap.id,
            OutcomeMap.map_version,
            OutcomeMap.agreed_at,
            OutcomeMap.superseded_at,
            OrganisationalPractice.practice,
            OrganisationalPractice.in_use,
            OrganisationalPractice.key_actions,
        )
        .join(OrganisationalPractice, OrganisationalPractice.outcome_map_id == OutcomeMap.id)
        .where(
            OutcomeMap.project_id == project_id,
            OutcomeMap.agreed_at.is_not(None),
            OutcomeMap.agreed_at <= as_of,
        )
        .order_by(OutcomeMap.map_version, OrganisationalPractice.position)
    )
    return (await session.execute(statement)).all()


async def practice_ratings(
    session: AsyncSession, project_id: uuid.UUID, as_of: dt.datetime
) -> Sequence[Any]:
    """Per performance journal entry in scope at `as_of` (oldest period first): each practice
    it describes and its rating. An entry describing no practice comes back once, with
    practice NULL, so its period still shows."""
    entries = (
        select(
            PerformanceJournalEntry.id,
            PerformanceJournalEntry.outcome_map_id,
            PerformanceJournalEntry.period_start,
            PerformanceJournalEntry.period_end,
        )
        .where(*live_as_of(PerformanceJournalEntry, project_id, as_of))
        .subquery("entries")
    )
    statement = (
        select(
            entries.c.id,
            entries.c.outcome_map_id,
            entries.c.period_start,
            entries.c.period_end,
            PracticeJournalEntry.practice,
            PracticeJournalEntry.rating,
        )
        .select_from(entries)
        .outerjoin(PracticeJournalEntry, PracticeJournalEntry.entry_id == entries.c.id)
        .order_by(entries.c.period_start, entries.c.id, PracticeJournalEntry.position)
    )
    return (await session.execute(statement)).all()


async def active_roles(session: AsyncSession, project_id: uuid.UUID, day: dt.date) -> Sequence[Any]:
    statement = (
        select(TeamMembership.subject, TeamMembership.role)
        .where(TeamMembership.project_id == project_id, active_on(day))
        .distinct()
        .order_by(TeamMembership.subject, TeamMembership.role)
    )
    return (await session.execute(statement)).all()


def portfolio_load_statement(day: dt.date, subject: str | None) -> Select[Any]:
    """Per person (`subject`, ascending): how many active projects they are active on, and how
    many of those they lead, sponsor and evaluate, counted by the database. Paged by subject
    (`subject_column`), so a page reads its people's memberships only."""

    def projects_where(roles: frozenset[TeamRole]) -> Any:
        in_role = TeamMembership.role.in_(sorted(roles))
        return func.count(func.distinct(case((in_role, TeamMembership.project_id))))

    statement = (
        select(
            TeamMembership.subject,
            func.count(func.distinct(TeamMembership.project_id)).label("project_count"),
            projects_where(LEAD_ROLES).label("led_count"),
            projects_where(SPONSOR_ROLES).label("sponsored_count"),
            projects_where(EVALUATOR_ROLES).label("evaluated_count"),
        )
        .join(Project, Project.id == TeamMembership.project_id)
        .where(Project.status == ProjectStatus.active, active_on(day))
        .group_by(TeamMembership.subject)
    )
    if subject is not None:
        statement = statement.where(TeamMembership.subject == subject)
    return statement


subject_column = TeamMembership.subject


async def projects_with_a_lead(session: AsyncSession, day: dt.date) -> int:
    statement = (
        select(func.count(func.distinct(TeamMembership.project_id)))
        .join(Project, Project.id == TeamMembership.project_id)
        .where(
            Project.status == ProjectStatus.active,
            TeamMembership.role.in_(sorted(LEAD_ROLES)),
            active_on(day),
        )
    )
    return int(await session.scalar(statement) or 0)
