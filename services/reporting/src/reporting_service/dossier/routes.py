"""The project dossier: HTTP route (thin: check the caller, call the service)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from reporting_service.access import dossier_reader
from reporting_service.clients.assessment import AssessmentClientDep
from reporting_service.clients.projects import ProjectsClientDep
from reporting_service.clients.stakeholders import StakeholdersClientDep
from reporting_service.dossier import service
from reporting_service.dossier.schemas import Dossier
from reporting_service.errors import (
    InvalidFilter,
    ProjectNotFound,
    ReportForbidden,
    ReportUpstreamUnavailable,
)
from reporting_service.rendering.negotiation import HTML_RESPONSES, FormatDep, respond
from reporting_service.rendering.pages import dossier_page
from reporting_service.scope import SCOPE_PROBLEMS, ScopeDep
from shared.auth import PrincipalDep
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/projects/{project_id}/dossier",
    response_model=Dossier,
    responses={
        **problem_responses(
            ProjectNotFound,
            *SCOPE_PROBLEMS,
            InvalidFilter,
            ReportForbidden,
            ReportUpstreamUnavailable,
        ),
        **HTML_RESPONSES,
    },
)
async def get_project_dossier(
    project_id: uuid.UUID,
    scope: ScopeDep,
    principal: PrincipalDep,
    projects: ProjectsClientDep,
    assessment: AssessmentClientDep,
    stakeholders: StakeholdersClientDep,
    form: FormatDep,
) -> Dossier | Response:
    """One project's whole story as of `as_of`: registry record, team over time, stage history
    with the decision behind each gate, decisions and assessments, attainment per partner and
    level over time, strategy coverage, practice profile, benefits, adoption tracker,
    engagement and involvement, the developmental evaluation's timeline. Governance and admin
    in full; reporter and viewer without names; a contributor or evaluator for a project whose
    team they are on. A project the filters do not select is not found. `?format=html` (or
    `Accept: text/html`): a printable page."""
    view = await dossier_reader(principal, project_id, projects)
    dossier = await service.dossier(
        project_id,
        scope,
        view,
        projects=projects,
        assessment=assessment,
        stakeholders=stakeholders,
    )
    return respond(dossier, form, dossier_page)
