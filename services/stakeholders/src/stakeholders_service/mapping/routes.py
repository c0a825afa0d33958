"""Mapping: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep, utcnow
from shared.etag import mark_created
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.project_access import NotATeamMember
from shared.types import QueryBool, UtcDateTime
from stakeholders_service.clients.projects import ProjectsDep, UnknownProject, UpstreamUnavailable
from stakeholders_service.mapping import service
from stakeholders_service.mapping.errors import AssessedInFuture
from stakeholders_service.mapping.models import StakeholderAssessment
from stakeholders_service.mapping.rules import MendelowQuadrant
from stakeholders_service.mapping.schemas import (
    AssessmentCreate,
    AssessmentRead,
    MapEntry,
    StakeholderMap,
    Trends,
)
from stakeholders_service.settings import SettingsDep
from stakeholders_service.stakeholders.dependencies import StakeholderDep
from stakeholders_service.stakeholders.errors import StakeholderErased, StakeholderNotFound

router = APIRouter(prefix="/v1/stakeholders", tags=["stakeholder mapping"])

Assessor = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.contributor, Role.evaluator))
]
AssessmentPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {
                "assessed_at": StakeholderAssessment.assessed_at,
                "created_at": StakeholderAssessment.created_at,
            }
        )
    ),
]


AsOf = Annotated[UtcDateTime | None, Query(description="Defaults to now.")]
MapPagination = Annotated[Pagination, Depends(pagination_dependency(incremental=False))]


@router.get("/map", responses=problem_responses())
async def get_stakeholder_map(
    session: SessionDep,
    _: PrincipalDep,
    settings: SettingsDep,
    project_id: uuid.UUID,
    as_of: AsOf = None,
) -> StakeholderMap:
    """Mendelow quadrants, salience distribution, stance mix, quadrant movement since each
    stakeholder's previous snapshot and the engagement gap, as of a date: counts only, every
    list bounded (at most 12 items). The stakeholders are paged at `/stakeholders/map/entries`."""
    when = _aware(as_of) or utcnow()
    return await service.stakeholder_map(
        session, project_id=project_id, as_of=when, threshold=settings.mendelow_threshold
    )


@router.get("/map/entries", responses=problem_responses())
async def list_stakeholder_map_entries(
    session: SessionDep,
    _: PrincipalDep,
    settings: SettingsDep,
    pagination: MapPagination,
    project_id: uuid.UUID,
    as_of: AsOf = None,
    quadrant: MendelowQuadrant | None = None,
    moved: Annotated[
        QueryBool | None, Query(description="Only those whose quadrant changed (or not).")
    ] = None,
    below_target: Annotated[
        QueryBool | None, Query(description="Only those below their target IAP2 level (or not).")
    ] = None,
) -> Page[MapEntry]:
    """The map's stakeholders (ids and categories, never names), in stakeholder id order: each
    one's latest snapshot at `as_of`, its quadrant, salience class and gap, and the quadrant
    of the snapshot before."""
    when = _aware(as_of) or utcnow()
    return await service.map_entries(
        session,
        pagination,
        project_id=project_id,
        as_of=when,
        threshold=settings.mendelow_threshold,
        quadrant=quadrant,
        moved=moved,
        below_target=below_target,
    )


@router.get("/trends", responses=problem_responses())
async def get_relationship_trends(
    session: SessionDep,
    _: PrincipalDep,
    project_id: uuid.UUID,
    stakeholder_id: uuid.UUID | None = None,
    from_: Annotated[UtcDateTime | None, Query(alias="from")] = None,
    to: UtcDateTime | None = None,
) -> Trends:
    """Relationship quality and trust per month for a project (or one stakeholder in it)."""
    return await service.trends(
        session,
        project_id=project_id,
        stakeholder_id=stakeholder_id,
        since=_aware(from_),
        until=_aware(to),
    )


@router.post(
    "/{stakeholder_id}/assessments",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        StakeholderNotFound,
        NotATeamMember,
        StakeholderErased,
        AssessedInFuture,
        UnknownProject,
        UpstreamUnavailable,
    ),
)
async def create_assessment(
    stakeholder: StakeholderDep,
    data: AssessmentCreate,
    session: SessionDep,
    actor: Assessor,
    client: ProjectsDep,
    settings: SettingsDep,
    response: Response,
) -> AssessmentRead:
    """Append a dated snapshot; earlier snapshots are never changed (there is no PATCH)."""
    assessment = await service.create_assessment(
        session, stakeholder=stakeholder, data=data, actor=actor, lookup=client
    )
    mark_created(
        response,
        f"{router.prefix}/{stakeholder.id}/assessments?project_id={assessment.project_id}",
        assessment.version,
    )
    return service.read(assessment, threshold=settings.mendelow_threshold)


@router.get("/{stakeholder_id}/assessments", responses=problem_responses(StakeholderNotFound))
async def list_assessments(
    stakeholder: StakeholderDep,
    session: SessionDep,
    _: PrincipalDep,
    settings: SettingsDep,
    pagination: AssessmentPagination,
    project_id: uuid.UUID | None = None,
) -> Page[AssessmentRead]:
    return await service.list_assessments(
        session,
        pagination,
        stakeholder=stakeholder,
        project_id=project_id,
        threshold=settings.mendelow_threshold,
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)
