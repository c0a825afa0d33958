"""Insights: HTTP routes for attainment, strategy coverage, practices and key people (read-only)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from projects_service.insights import service
from projects_service.insights.schemas import (
    Attainment,
    PortfolioKeyPeople,
    PracticeProfile,
    ProjectKeyPeople,
    StrategyCoverage,
)
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectNotFound
from projects_service.sql import today
from shared.auth import PrincipalDep
from shared.db import SessionDep, utcnow
from shared.pagination import Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.types import Date, UtcDateTime

portfolio_router = APIRouter(prefix="/v1/projects", tags=["insights"])
router = APIRouter(prefix="/v1/projects/{project_id}", tags=["insights"])

AsOf = Annotated[
    UtcDateTime | None,
    Query(description="Rebuild the read as it stood at this instant (default now)."),
]


# People are paged by subject; memberships have no single change time to sync by.
PeoplePagination = Annotated[Pagination, Depends(pagination_dependency(incremental=False))]


def _as_of(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return utcnow()
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@router.get("/attainment", responses=problem_responses(ProjectNotFound))
async def get_attainment(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    as_of: AsOf = None,
    period_from: Annotated[
        Date | None, Query(description="Only journal periods ending on or after.")
    ] = None,
    period_to: Annotated[
        Date | None, Query(description="Only journal periods starting on or before.")
    ] = None,
) -> Attainment:
    """Progress-marker attainment per boundary partner and level for the version agreed at
    `as_of`: markers by latest rating, attainment share (medium or high), depth index, trend per
    journal period and unanticipated changes. Entries count as they stood at `as_of`."""
    return await service.attainment(
        session, project.id, as_of=_as_of(as_of), period_from=period_from, period_to=period_to
    )


@router.get("/strategy-coverage", responses=problem_responses(ProjectNotFound))
async def get_strategy_coverage(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    as_of: AsOf = None,
    stale_after_days: Annotated[int, Query(ge=1, le=3650)] = 120,
) -> StrategyCoverage:
    """The 2x3 strategy grid per partner, flagging partners with no strategy or no journal entry
    ending within `stale_after_days`."""
    return await service.coverage(
        session, project.id, as_of=_as_of(as_of), stale_after_days=stale_after_days
    )


@router.get("/practice-profile", responses=problem_responses(ProjectNotFound))
async def get_practice_profile(
    project: ProjectDep, session: SessionDep, _: PrincipalDep, as_of: AsOf = None
) -> PracticeProfile:
    """The eight organisational practices over time: which each agreed outcome-map version
    says are in use, and how the performance journal rated them period by period (with the
    latest rating of each). `as_of` rebuilds both as they stood then."""
    return await service.practice_profile(session, project.id, as_of=_as_of(as_of))


@router.get("/key-people", responses=problem_responses(ProjectNotFound))
async def get_project_key_people(
    project: ProjectDep,
    session: SessionDep,
    _: PrincipalDep,
    on: Annotated[
        Date | None, Query(description="Memberships active on this day (default today).")
    ] = None,
) -> ProjectKeyPeople:
    """Distinct active members of this project's team, their roles, and whether key roles rest
    on one person (one team: every member is listed)."""
    return await service.project_key_people(session, project.id, on=on or today())


@portfolio_router.get("/key-people", responses=problem_responses())
async def get_portfolio_key_people(
    session: SessionDep,
    _: PrincipalDep,
    pagination: PeoplePagination,
    subject: Annotated[str | None, Query(max_length=200)] = None,
    on: Date | None = None,
    threshold: Annotated[
        float, Query(ge=0, le=1, description="Flag people leading more than this share.")
    ] = 0.25,
) -> PortfolioKeyPeople:
    """For each person, a page at a time (by subject; `limit` 1-200, default 50): how many
    active projects they are on, and how many of those they lead, sponsor and evaluate."""
    return await service.portfolio_key_people(
        session, pagination, on=on or today(), subject=subject, threshold=threshold
    )
