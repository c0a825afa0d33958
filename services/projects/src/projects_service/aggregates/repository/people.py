"""Key-person dependency as SQL, in one statement: per project its distinct active members and
whether one person is lead, sponsor and evaluator; per person the projects they lead, sponsor
and evaluate. The per-(project, person) roles are grouped once and read three ways."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, String, case, cast, func, literal, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.aggregates.repository.population import SetFilters, in_set, population
from projects_service.projects.models import Project
from projects_service.team.models import (
    EVALUATOR_ROLES,
    LEAD_ROLES,
    SPONSOR_ROLES,
    TeamMembership,
    TeamRole,
)
from projects_service.team.repository import active_on

BUCKETS = ("0", "1", "2", "3-4", "5+")
# A typed empty cell, so every branch of the union has a number there (PostgreSQL insists).
_no_number = cast(null(), BigInteger)


def _holds(roles: frozenset[TeamRole]) -> Any:
    return func.max(case((TeamMembership.role.in_(sorted(roles)), 1), else_=0))


async def key_people(
    session: AsyncSession,
    as_of: dt.datetime,
    filters: SetFilters,
    *,
    projects_limit: int,
    people_limit: int,
) -> Sequence[Any]:
    """Rows (kind, key, a, b, c, d), from the memberships active on the day of `as_of` and
    recorded by then:

    - `bucket`: key a team-size bucket of projects with members ("1", "2", "3-4", "5+"),
      a projects, b of them lead = sponsor = evaluator, c of them with a lead;
    - `risk`: key a project id, a its members, b lead = sponsor = evaluator (1/0): projects
      of the set with fewer than 2 active members or lead = sponsor = evaluator, by id, at most
      `projects_limit`;
    - `person`: key a subject holding a key role, a led, b sponsored, c evaluated, d how many
      such people there are: most projects led first, at most `people_limit`."""
    roles = (
        select(
            TeamMembership.project_id,
            TeamMembership.subject,
            _holds(LEAD_ROLES).label("lead"),
            _holds(SPONSOR_ROLES).label("sponsor"),
            _holds(EVALUATOR_ROLES).label("evaluator"),
        )
        .where(
            active_on(as_of.date()),
            TeamMembership.created_at <= as_of,
            *in_set(TeamMembership.project_id, as_of, filters),
        )
        .group_by(TeamMembership.project_id, TeamMembership.subject)
        .cte("person_roles")
    )
    teams = (
        select(
            roles.c.project_id,
            func.count().label("members"),
            func.max(roles.c.lead * roles.c.sponsor * roles.c.evaluator).label("triple"),
            func.max(roles.c.lead).label("has_lead"),
        )
        .group_by(roles.c.project_id)
        .cte("teams")
    )
    members = teams.c.members
    bucket = case(
        (members == 1, literal("1")),
        (members == 2, literal("2")),
        (members <= 4, literal("3-4")),
        else_=literal("5+"),
    )
    buckets = select(
        literal("bucket"),
        bucket,
        func.count(),
        func.sum(teams.c.triple),
        func.sum(teams.c.has_lead),
        _no_number,
    ).group_by(bucket)

    chosen = (
        population(as_of, filters, with_stage=False)
        .with_only_columns(Project.id.label("id"))
        .subquery("chosen")
    )
    size = func.coalesce(teams.c.members, 0)
    at_risk = (
        select(chosen.c.id, size.label("members"), func.coalesce(teams.c.triple, 0).label("triple"))
        .outerjoin(teams, teams.c.project_id == chosen.c.id)
        .where(or_(size < 2, teams.c.triple == 1))
        .order_by(chosen.c.id)
        .limit(projects_limit)
        .subquery("at_risk")
    )
    risks = select(
        literal("risk"),
        cast(at_risk.c.id, String),
        at_risk.c.members,
        at_risk.c.triple,
        _no_number,
        _no_number,
    )

    led, sponsored = func.sum(roles.c.lead), func.sum(roles.c.sponsor)
    evaluated = func.sum(roles.c.evaluator)
    loads = (
        select(
            roles.c.subject,
            led.label("led"),
            sponsored.label("sponsored"),
            evaluated.label("evaluated"),
            func.count().over().label("people"),
        )
        .where(roles.c.lead + roles.c.sponsor + roles.c.evaluator > 0)
        .group_by(roles.c.subject)
        .order_by(led.desc(), sponsored.desc(), evaluated.desc(), roles.c.subject)
        .limit(people_limit)
        .subquery("loads")
    )
    persons = select(
        literal("person"),
        loads.c.subject,
        loads.c.led,
        loads.c.sponsored,
        loads.c.evaluated,
        loads.c.people,
    )
    return (await session.execute(union_all(buckets, risks, persons))).all()
