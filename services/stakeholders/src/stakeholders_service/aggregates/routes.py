"""Aggregates: HTTP routes (thin: parse, call the service, shape the response).

Internal to the platform (the gateway does not route `/v1/aggregates`): the reporting service
calls them with its caller's token. Each is a POST because the project set can be large, but
a safe, idempotent read."""

from __future__ import annotations

from fastapi import APIRouter

from shared.problems import Forbidden, problem_responses
from shared.project_access import NotATeamMember
from stakeholders_service.aggregates import service
from stakeholders_service.aggregates.dependencies import ProjectReader, Reader, ReadSessionDep
from stakeholders_service.aggregates.errors import AsOfInFuture, InvalidPeriod
from stakeholders_service.aggregates.schemas import (
    EngagementAggregate,
    EngagementQuery,
    ProjectEngagement,
    ProjectEngagementQuery,
)
from stakeholders_service.clients.projects import ProjectsDep, UpstreamUnavailable
from stakeholders_service.settings import SettingsDep

router = APIRouter(prefix="/v1/aggregates", tags=["aggregates"])


@router.post(
    "/engagement",
    responses=problem_responses(Forbidden, AsOfInFuture, InvalidPeriod),
    response_model_by_alias=True,
)
async def engagement_aggregate(
    session: ReadSessionDep, principal: Reader, query: EngagementQuery
) -> EngagementAggregate:
    """Engagement coverage per project, relationship ownership per person (key-person
    dependency) and inclusivity, over a set of projects (`project_ids`, null: all) as of a
    date. Counts of people below 5, and the people's subjects, are hidden from every caller but
    governance, admin and the service identity."""
    return await service.engagement_aggregate(session, query=query, principal=principal)


@router.post(
    "/project-engagement",
    responses=problem_responses(NotATeamMember, AsOfInFuture, InvalidPeriod, UpstreamUnavailable),
    response_model_by_alias=True,
)
async def project_engagement(
    session: ReadSessionDep,
    principal: ProjectReader,
    settings: SettingsDep,
    projects: ProjectsDep,
    query: ProjectEngagementQuery,
) -> ProjectEngagement:
    """One project's engagement picture at `as_of` over `from`..`as_of`: stakeholders by
    Mendelow quadrant and salience class, IAP2 current against target, engagements and "you
    said, we did" closure, public involvement roles and UK Standards status. A contributor or
    evaluator reads only a project whose team they are on; a project this service has no
    record of answers zeros (its existence is the projects service's to tell)."""
    await service.require_project_reader(principal, projects, query.project_id)
    return await service.project_engagement(
        session, query=query, principal=principal, threshold=settings.mendelow_threshold
    )
