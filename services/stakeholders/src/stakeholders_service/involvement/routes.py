"""Involvement: HTTP routes (thin: parse, call the service, shape the response), including the
comparator populations the equality report compares against (reference data, loaded by admin)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep
from shared.etag import (
    PreconditionFailed,
    check_if_match,
    conditional_get,
    mark_created,
    mark_version,
)
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.project_access import NotATeamMember
from stakeholders_service.clients.projects import ProjectsDep, UnknownProject, UpstreamUnavailable
from stakeholders_service.engagements.errors import UnknownStakeholder
from stakeholders_service.involvement import service
from stakeholders_service.involvement.errors import (
    Gripp2ReportFinal,
    Gripp2ReportNotFound,
    UnknownGripp2Item,
)
from stakeholders_service.involvement.models import AssessmentScope, Gripp2Form
from stakeholders_service.involvement.schemas import (
    Gripp2Draft,
    Gripp2ReportCreate,
    Gripp2ReportEdit,
    Gripp2ReportRead,
    InvolvementSummary,
    PlusReach,
    RoleCreate,
    RoleRead,
    StandardsCreate,
    StandardsRead,
)
from stakeholders_service.populations import service as populations
from stakeholders_service.populations.errors import InvalidComparator, UnknownComparator
from stakeholders_service.populations.schemas import PopulationCreate, PopulationRead
from stakeholders_service.settings import SettingsDep

router = APIRouter(prefix="/v1/involvement", tags=["involvement"])

Editor = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.contributor, Role.evaluator))
]
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]
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


@router.get("/plus-reach", responses=problem_responses())
async def get_plus_reach(
    session: SessionDep,
    _: PrincipalDep,
    settings: SettingsDep,
    project_id: uuid.UUID | None = None,
    engagement_id: uuid.UUID | None = None,
) -> PlusReach:
    """Reach into the deployment's PLUS / under-served groups (`STAKEHOLDERS_PLUS_GROUPS`): per
    engagement, per project, or across the portfolio (neither given)."""
    return await service.plus_reach(
        session, project_id=project_id, engagement_id=engagement_id, groups=settings.plus_groups
    )


@router.get("/gripp2", responses=problem_responses())
async def get_gripp2_draft(
    session: SessionDep, _: PrincipalDep, project_id: uuid.UUID, form: Gripp2Form = Gripp2Form.short
) -> Gripp2Draft:
    """A GRIPP2 draft for the project, short form (5 items) or long form (34), pre-filled from
    this service's data; not saved (see `/gripp2/reports`)."""
    return await service.gripp2_draft(session, project_id=project_id, form=form)


@router.post(
    "/gripp2/reports",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(NotATeamMember, UnknownProject, UpstreamUnavailable),
)
async def create_gripp2_report(
    data: Gripp2ReportCreate,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    response: Response,
) -> Gripp2ReportRead:
    """Save a draft, keeping the inputs it was generated from."""
    report = await service.create_gripp2_report(session, data=data, actor=actor, projects=client)
    mark_created(response, f"{router.prefix}/gripp2/reports/{report.id}", report.version)
    return Gripp2ReportRead.model_validate(report)


@router.get("/gripp2/reports", responses=problem_responses())
async def list_gripp2_reports(
    session: SessionDep, _: PrincipalDep, pagination: Pager, project_id: uuid.UUID | None = None
) -> Page[Gripp2ReportRead]:
    return await service.list_gripp2_reports(session, pagination=pagination, project_id=project_id)


@router.get("/gripp2/reports/{report_id}", responses=problem_responses(Gripp2ReportNotFound))
async def get_gripp2_report(
    report_id: uuid.UUID,
    session: SessionDep,
    _: PrincipalDep,
    request: Request,
    response: Response,
) -> Gripp2ReportRead:
    report = await service.require_gripp2_report(session, report_id)
    conditional_get(request, response, report.version)
    return Gripp2ReportRead.model_validate(report)


@router.patch(
    "/gripp2/reports/{report_id}",
    responses=problem_responses(
        Gripp2ReportNotFound,
        Gripp2ReportFinal,
        UnknownGripp2Item,
        NotATeamMember,
        UnknownProject,
        UpstreamUnavailable,
        PreconditionFailed,
    ),
)
async def edit_gripp2_report(
    report_id: uuid.UUID,
    data: Gripp2ReportEdit,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    request: Request,
    response: Response,
) -> Gripp2ReportRead:
    """Edit items' text while the report is a draft; each edit is a new version (ETag)."""
    report = await service.require_gripp2_report(session, report_id)
    check_if_match(request, report.version)
    report = await service.edit_gripp2_report(
        session, report, data=data, actor=actor, projects=client
    )
    mark_version(response, report.version)
    return Gripp2ReportRead.model_validate(report)


@router.post(
    "/gripp2/reports/{report_id}/finalise",
    responses=problem_responses(
        Gripp2ReportNotFound,
        Gripp2ReportFinal,
        NotATeamMember,
        UnknownProject,
        UpstreamUnavailable,
        PreconditionFailed,
    ),
)
async def finalise_gripp2_report(
    report_id: uuid.UUID,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    request: Request,
    response: Response,
) -> Gripp2ReportRead:
    """Mark the draft final: no more edits (409), its text and inputs kept as they are."""
    report = await service.require_gripp2_report(session, report_id)
    check_if_match(request, report.version)
    report = await service.finalise_gripp2_report(session, report, actor=actor, projects=client)
    mark_version(response, report.version)
    return Gripp2ReportRead.model_validate(report)


@router.post(
    "/comparator-populations",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(InvalidComparator),
)
async def load_comparator_population(
    data: PopulationCreate, session: SessionDep, actor: Admin, response: Response
) -> PopulationRead:
    """Load a new version of a comparator population (admin): the rows of the documented
    `characteristic,category,share` file, with its source and the date it describes."""
    population = await populations.load(session, data=data, actor=actor)
    mark_created(
        response,
        f"{router.prefix}/comparator-populations/{population.key}"
        f"?version={population.population_version}",
        population.version,
    )
    return populations.read(population)


@router.get("/comparator-populations", responses=problem_responses())
async def list_comparator_populations(session: SessionDep, _: PrincipalDep) -> list[PopulationRead]:
    """Every loaded version of every comparator population (reference data: a short list)."""
    return await populations.list_all(session)


@router.get("/comparator-populations/{key}", responses=problem_responses(UnknownComparator))
async def get_comparator_population(
    key: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")],
    session: SessionDep,
    _: PrincipalDep,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> PopulationRead:
    """One version (the latest unless `version` is given)."""
    return populations.read(await populations.require(session, key, version))
