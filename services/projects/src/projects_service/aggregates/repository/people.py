"""Key-person dependency as SQL: per project its distinct active members and whether one person
is lead, sponsor and evaluator; per person the projects they lead, sponsor and evaluate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.aggregates.repository.population import SetFilters, population
from projects_service.team.models import (
    EVALUATOR_ROLES,
    LEAD_ROLES,
    SPONSOR_ROLES,
    TeamMembership,
    TeamRole,
)
from projects_service.team.repository import active_on

BUCKETS = ("0", "1", "2", "3-4", "5+")


def _holds(roles: frozenset[TeamRole]) -> Any:
    return func.max(case((TeamMembership.role.in_(sorted(roles)), 1), else_=0))


def _person_roles(as_of: dt.datetime, filters: SetFilters) -> tuple[Any, Any]:
    """The project set, and per (project, person) active on the day of `as_of` (and recorded by
    `as_of`): whether they lead, sponsor, evaluate it."""
    pop = population(as_of, filters, with_stage=False).cte("population")
    per_person = (
        select(
            TeamMembership.project_id,
            TeamMembership.subject,
            _holds(LEAD_ROLES).label("lead"),
            _holds(SPONSOR_ROLES).label("sponsor"),
            _holds(EVALUATOR_ROLES).label("evaluator"),
        )
        .join(pop, pop.c.id == TeamMembership.project_id)
        .where(active_on(as_of.date()), TeamMembership.created_at <= as_of)
        .group_by(TeamMembership.project_id, TeamMembership.subject)
        .cte("person_roles")
    )
    return pop, per_person


def _per_project(as_of: dt.datetime, filters: SetFilters) -> Any:
    pop, per_person = _person_roles(as_of, filters)
    teams = (
        select(
            per_person.c.project_id,
            func.count().label("members"),
            func.max(per_person.c.lead * per_person.c.sponsor * per_person.c.evaluator).label(
                "triple"
            ),
            func.max(per_person.c.lead).label("has_lead"),
        )
        .group_by(per_person.c.project_id)
        .subquery("teams")
    )
    return (
        select(
            pop.c.id.label("project_id"),
            func.coalesce(teams.c.members, 0).label("members"),
            func.coalesce(teams.c.triple, 0).label("triple"),
            func.coalesce(teams.c.has_lead, 0).label("has_lead"),
        )
        .select_from(pop)
        .outerjoin(teams, teams.c.project_id == pop.c.id)
        .subquery("per_project")
    )


async def team_summary(
    session: AsyncSession, as_of: dt.datetime, filters: SetFilters
) -> Sequence[Any]:
    """(bucket, projects, lead = sponsor = evaluator, with a lead) per team-size bucket."""
    teams = _per_project(as_of, filters)
    members = teams.c.members
    bucket = case(
        (members == 0, literal("0")),
        (members == 1, literal("1")),
        (members == 2, literal("2")),
        (members <= 4, literal("3-4")),
        else_=literal("5+"),
    ).label("bucket")
    statement = select(
        bucket, func.count(), func.sum(teams.c.triple), func.sum(teams.c.has_lead)
    ).group_by(bucket)
    return (await session.execute(statement)).all()


async def projects_at_risk(
    session: AsyncSession, as_of: dt.datetime, filters: SetFilters, *, limit: int
) -> Sequence[Any]:
    """(project_id, members, triple) of the projects where one person is lead, sponsor and
    evaluator, or with fewer than two active members, by id; at most `limit`."""
    teams = _per_project(as_of, filters)
    statement = (
        select(teams.c.project_id, teams.c.members, teams.c.triple)
        .where(or_(teams.c.triple == 1, teams.c.members < 2))
        .order_by(teams.c.project_id)
        .limit(limit)
    )
    return (await session.execute(statement)).all()


async def person_loads(
    session: AsyncSession, as_of: dt.datetime, filters: SetFilters, *, limit: int
) -> Sequence[Any]:
    """(subject, led, sponsored, evaluated, people) for the people holding a key role in the
    set, most projects led first; `people` (every row) is how many such people there are."""
    _, per_person = _person_roles(as_of, filters)
    led = func.sum(per_person.c.lead)
    sponsored = func.sum(per_person.c.sponsor)
    evaluated = func.sum(per_person.c.evaluator)
    statement = (
        select(
            per_person.c.subject,
            led,
            sponsored,
            evaluated,
            func.count().over().label("people"),
        )
        .where(per_person.c.lead + per_person.c.sponsor + per_person.c.evaluator > 0)
        .group_by(per_person.c.subject)
        .order_by(led.desc(), sponsored.desc(), evaluated.desc(), per_person.c.subject)
        .limit(limit)
    )
    return (await session.execute(statement)).all()
