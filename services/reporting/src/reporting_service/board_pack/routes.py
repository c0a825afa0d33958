"""The board pack: HTTP route (thin: read the meeting, check the caller, call the service)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from reporting_service.access import pack_reader
from reporting_service.board_pack import service
from reporting_service.board_pack.schemas import BoardPack, Meeting
from reporting_service.clients.assessment import AssessmentClientDep
from reporting_service.clients.projects import ProjectsClientDep
from reporting_service.errors import InvalidFilter, ReportForbidden, ReportUpstreamUnavailable
from reporting_service.rendering.negotiation import HTML_RESPONSES, FormatDep, respond
from reporting_service.rendering.pages import board_pack_page
from reporting_service.scope import SCOPE_PROBLEMS, ScopeDep
from shared.auth import PrincipalDep
from shared.problems import problem_responses
from shared.types import Date

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/board-pack",
    response_model=BoardPack,
    responses={
        **problem_responses(
            *SCOPE_PROBLEMS, InvalidFilter, ReportForbidden, ReportUpstreamUnavailable
        ),
        **HTML_RESPONSES,
    },
)
async def get_board_pack(
    scope: ScopeDep,
    principal: PrincipalDep,
    projects: ProjectsClientDep,
    assessment: AssessmentClientDep,
    form: FormatDep,
    forum: Annotated[
        str | None, Query(max_length=200, description="The decision forum (e.g. the board).")
    ] = None,
    meeting_date: Annotated[
        Date | None,
        Query(description="The meeting's date; without it, the decisions of the period."),
    ] = None,
) -> BoardPack | Response:
    """The pack for a governance meeting: every assessment awaiting a decision, every decision
    recorded for the meeting (`forum` and `meeting_date`, or `from`/`to`), each summarised with
    a link to its evidence pack, and the open and overdue conditions across the portfolio (the
    filters narrow all three to the projects they select). Governance and admin in full;
    reporter and viewer without names or condition texts. `?format=html` (or `Accept:
    text/html`): a printable page."""
    view = pack_reader(principal)
    pack = await service.board_pack(
        scope,
        view,
        Meeting(forum=forum, meeting_date=meeting_date),
        projects=projects,
        assessment=assessment,
    )
    return respond(pack, form, board_pack_page)
