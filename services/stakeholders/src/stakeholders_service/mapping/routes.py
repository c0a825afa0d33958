"""Mapping: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep, utcnow
from shared.etag import etag_for
from shared.http import UpstreamUnavailable
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.project_access import NotATeamMember
from shared.types import UtcDateTime
from stakeholders_service.mapping import repository, service
from stakeholders_service.mapping.errors import AssessedInFuture
from stakeholders_service.mapping.models import StakeholderAssessment
from stakeholders_service.mapping.schemas import (
    AssessmentCreate,
    AssessmentRead,
    StakeholderMap,
    Trends,
)
from stakeholders_service.settings import SettingsDep
from stakeholders_service.stakeholders.dependencies import ProjectsDep, StakeholderDep
from stakeholders_service.stakeholders.errors import StakeholderErased, StakeholderNotFound
from stakeholders_service.upstream import UnknownProject

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


@router.get("/map", responses=problem_responses())
async def get_stakeholder_map(
    session: SessionDep,
    _: PrincipalDep,
    settings: SettingsDep,
    project_id: uuid.UUID,
    as_of: Annotated[UtcDateTime | None, Query(description="Defaults to now.")] = None,
) -> StakeholderMap:
    """Mendelow quadrants, salience distribution, stance mix, quadrant movement since each
    stakeholder's previous snapshot and the engagement gap, as of a date (ids, no names)."""
    when = _aware(as_of) or utcnow()
    return await service.stakeholder_map(
        session, project_id=project_id, as_of=when, threshold=settings.mendelow_threshold
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
    response.headers["Location"] = (
        f"{router.prefix}/{stakeholder.id}/assessments?project_id={assessment.project_id}"
    )
    response.headers["ETag"] = etag_for(assessment.version)
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
    rows = await pagination.rows(
        session,
        repository.list_statement(stakeholder_id=stakeholder.id, project_id=project_id),
        id_column=StakeholderAssessment.id,
        updated_column=StakeholderAssessment.updated_at,
    )
    return Page[AssessmentRead](
        items=[service.read(a, threshold=settings.mendelow_threshold) for a in rows.items],
        next_cursor=rows.next_cursor,
    )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)
