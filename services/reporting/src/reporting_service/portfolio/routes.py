"""The portfolio report: HTTP route (thin: check the caller, call the service)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from reporting_service.access import portfolio_reader
from reporting_service.clients.assessment import AssessmentClientDep
from reporting_service.clients.projects import ProjectsClientDep
from reporting_service.clients.stakeholders import StakeholdersClientDep
from reporting_service.errors import InvalidFilter, ReportForbidden, ReportUpstreamUnavailable
from reporting_service.portfolio import service
from reporting_service.portfolio.schemas import PortfolioReport
from reporting_service.rendering.negotiation import HTML_RESPONSES, FormatDep, respond
from reporting_service.rendering.pages import portfolio_page
from reporting_service.scope import SCOPE_PROBLEMS, ScopeDep
from shared.auth import PrincipalDep
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/portfolio",
    response_model=PortfolioReport,
    responses={
        **problem_responses(
            *SCOPE_PROBLEMS, InvalidFilter, ReportForbidden, ReportUpstreamUnavailable
        ),
        **HTML_RESPONSES,
    },
)
async def get_portfolio_report(
    scope: ScopeDep,
    principal: PrincipalDep,
    projects: ProjectsClientDep,
    assessment: AssessmentClientDep,
    stakeholders: StakeholdersClientDep,
    form: FormatDep,
) -> PortfolioReport | Response:
    """The portfolio at a glance, as of `as_of`, over the projects the filters select: counts
    by stage, pillar, directorate, innovation type and latest decision outcome; the gate funnel;
    days in stage; Core20PLUS5 tags; net zero; benefits; overdue journals and monitoring; open
    and past-due conditions; developmental evaluations and pivots in the period; inclusivity;
    overrides per gate; key-person dependency. Three upstream calls, whatever the portfolio's
    size. Governance, admin, reporter and viewer (these two: counts of people below 5
    suppressed, nobody named). `?format=html` (or `Accept: text/html`): a printable page."""
    view = portfolio_reader(principal)
    report = await service.portfolio(
        scope, view, projects=projects, assessment=assessment, stakeholders=stakeholders
    )
    return respond(report, form, portfolio_page)
