"""Aggregates: HTTP routes (thin: parse and check the query, call the service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from projects_service.aggregates import service
from projects_service.aggregates.errors import AsOfInFuture, InvalidPeriod, ProjectScopeTooLarge
from projects_service.aggregates.schemas import (
    AttainmentOverTime,
    Filters,
    PortfolioAggregate,
    ProjectScope,
    ProjectScopeQuery,
)
from projects_service.aggregates.settings import AggregateSettings, get_aggregate_settings
from projects_service.projects.dependencies import ProjectDep
from projects_service.projects.errors import ProjectNotFound
from projects_service.projects.models import InnovationType, Pillar, Stage
from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.problems import problem_responses
from shared.types import UtcDateTime

router = APIRouter(prefix="/v1/aggregates", tags=["aggregates"])

# Aggregates are for the governance pillar and reporting (admin always passes).
Reader = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.reporter, Role.viewer, Role.service))
]
# The project scope of an export: every role that exports a dataset of some service (the
# evaluators export the evaluation datasets), and a service acting on its own behalf.
ScopeReader = Annotated[
    Principal,
    Depends(
        require_roles(Role.governance, Role.reporter, Role.viewer, Role.evaluator, Role.service)
    ),
]
SettingsDep = Annotated[AggregateSettings, Depends(get_aggregate_settings)]
AsOf = Annotated[
    UtcDateTime | None,
    Query(description="Answer as the records stood at this instant (default now; not future)."),
]
PeriodFrom = Annotated[
    UtcDateTime | None,
    Query(alias="from", description="Start of the period figures (default: all history)."),
]
PeriodTo = Annotated[
    UtcDateTime | None,
    Query(alias="to", description="End of the period figures (default and at most `as_of`)."),
]


@router.get("/portfolio", responses=problem_responses(AsOfInFuture, InvalidPeriod, 403))
async def get_portfolio(
    session: SessionDep,
    principal: Reader,
    settings: SettingsDep,
    as_of: AsOf = None,
    period_from: PeriodFrom = None,
    period_to: PeriodTo = None,
    directorate: Annotated[str | None, Query(max_length=120)] = None,
    pillar: Pillar | None = None,
    stage: Annotated[Stage | None, Query(description="The stage at `as_of`.")] = None,
    innovation_type: InnovationType | None = None,
) -> PortfolioAggregate:
    """The projects-side portfolio figures at `as_of`, for the projects the filters select:
    counts by stage, pillar, directorate and innovation type; the gate funnel; median and
    90th-percentile days in each stage; Core20PLUS5 tags; net zero; benefit totals; overdue
    monitoring; key-person dependency; and `project_ids` of the set (null: no filter). Every
    figure is defined in `definitions`."""
    window = service.window(as_of, period_from, period_to)
    return await service.portfolio(
        session,
        principal,
        window,
        Filters(
            directorate=directorate, pillar=pillar, stage=stage, innovation_type=innovation_type
        ),
        threshold=settings.key_person_share_threshold,
    )


@router.get(
    "/projects/{project_id}/attainment",
    responses=problem_responses(ProjectNotFound, AsOfInFuture, 403),
)
async def get_attainment_over_time(
    project: ProjectDep, session: SessionDep, _: PrincipalDep, as_of: AsOf = None
) -> AttainmentOverTime:
    """Progress-marker attainment per boundary partner and level, journal period by journal
    period, from outcome journal entries as they stood at `as_of` (B1 over time)."""
    window = service.window(as_of, None, None)
    return await service.attainment_over_time(session, project.id, window.as_of)


@router.post(
    "/project-scope",
    responses=problem_responses(AsOfInFuture, ProjectScopeTooLarge, 403),
)
async def post_project_scope(
    body: ProjectScopeQuery, request: Request, session: SessionDep, principal: ScopeReader
) -> ProjectScope:
    """The ids of the projects an export's `directorate`, `stage`, `pillar` and `status`
    filters select (any value of each list; the lists combined), with the code the projects
    exports filter by, so every service's export of one moment covers the same projects: as
    they stand now, or as they stood at `as_of`. At most 20,000 ids; more is a 422 asking for
    a narrower filter. A POST because it is a question with a body, not a resource: it
    changes nothing."""
    return await service.project_scope(session, request.app.state.platform, principal, body)
