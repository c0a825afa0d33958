"""Involvement: HTTP routes (thin: parse, call the service, shape the response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.etag import mark_created
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.project_access import NotATeamMember
from stakeholders_service.clients.projects import ProjectsDep, UnknownProject, UpstreamUnavailable
from stakeholders_service.engagements.errors import UnknownStakeholder
from stakeholders_service.involvement import service
from stakeholders_service.involvement.models import AssessmentScope
from stakeholders_service.involvement.schemas import (
    Gripp2Draft,
    InvolvementSummary,
    RoleCreate,
    RoleRead,
    StandardsCreate,
    StandardsRead,
)

router = APIRouter(prefix="/v1/involvement", tags=["involvement"])

Editor = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.contributor, Role.evaluator))
]
Pager = Annotated[Pagination, Depends(pagination_dependency())]


@router.post(
    "/roles",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        NotATeamMember, UnknownStakeholder, UnknownProject, UpstreamUnavailable
    ),
)
async def create_involvement_role(
    data: RoleCreate, session: SessionDep, actor: Editor, client: ProjectsDep, response: Response
) -> RoleRead:
    """A public contributor's role, stages, and whether payment, expenses and training were
    offered (NIHR guidance: that it was offered, never rates)."""
    role = await service.create_role(session, data=data, actor=actor, projects=client)
    mark_created(
        response, f"{router.prefix}/roles?stakeholder_id={role.stakeholder_id}", role.version
    )
    return RoleRead.model_validate(role)


@router.get("/roles", responses=problem_responses())
async def list_involvement_roles(
    session: SessionDep,
    _: PrincipalDep,
    pagination: Pager,
    project_id: uuid.UUID | None = None,
    stakeholder_id: uuid.UUID | None = None,
) -> Page[RoleRead]:
    return await service.list_roles(
        session, pagination=pagination, project_id=project_id, stakeholder_id=stakeholder_id
    )


@router.post(
    "/standards",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(NotATeamMember, UnknownProject, UpstreamUnavailable),
)
async def create_standards_self_assessment(
    data: StandardsCreate,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    response: Response,
) -> StandardsRead:
    """A self-assessment against the six UK Standards for Public Involvement."""
    assessment = await service.create_standards(session, data=data, actor=actor, projects=client)
    # No single-item read: the location is the list that holds it (as for roles).
    where = f"project_id={data.project_id}" if data.project_id else f"scope={data.scope.value}"
    mark_created(response, f"{router.prefix}/standards?{where}", assessment.version)
    return StandardsRead.model_validate(assessment)


@router.get("/standards", responses=problem_responses())
async def list_standards_self_assessments(
    session: SessionDep,
    _: PrincipalDep,
    pagination: Pager,
    scope: AssessmentScope | None = None,
    project_id: uuid.UUID | None = None,
) -> Page[StandardsRead]:
    return await service.list_standards(
        session, pagination=pagination, scope=scope, project_id=project_id
    )


@router.get("/summary", responses=problem_responses())
async def get_involvement_summary(
    session: SessionDep, _: PrincipalDep, project_id: uuid.UUID | None = None
) -> InvolvementSummary:
    return await service.summary(session, project_id=project_id)


@router.get("/gripp2", responses=problem_responses())
async def get_gripp2_draft(
    session: SessionDep, _: PrincipalDep, project_id: uuid.UUID
) -> Gripp2Draft:
    """A GRIPP2 short-form draft for the project, pre-filled from this service's data."""
    return await service.gripp2_draft(session, project_id=project_id)
