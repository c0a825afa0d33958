"""The decision evidence pack: HTTP route (thin: check the caller, call the service)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from reporting_service.access import pack_reader
from reporting_service.clients.assessment import AssessmentClientDep
from reporting_service.clients.projects import ProjectsClientDep
from reporting_service.clients.stakeholders import StakeholdersClientDep
from reporting_service.errors import (
    DecisionNotFound,
    InvalidFilter,
    ReportForbidden,
    ReportUpstreamUnavailable,
)
from reporting_service.evidence import service
from reporting_service.evidence.schemas import EvidencePack
from reporting_service.rendering.negotiation import HTML_RESPONSES, FormatDep, respond
from reporting_service.rendering.pages import evidence_page
from reporting_service.scope import SCOPE_PROBLEMS, ScopeDep
from reporting_service.settings import SettingsDep
from shared.auth import PrincipalDep
from shared.problems import problem_responses

router = APIRouter(prefix="/v1/reports", tags=["reports"])


@router.get(
    "/decisions/{decision_id}/evidence",
    response_model=EvidencePack,
    responses={
        **problem_responses(
            DecisionNotFound,
            *SCOPE_PROBLEMS,
            InvalidFilter,
            ReportForbidden,
            ReportUpstreamUnavailable,
        ),
        **HTML_RESPONSES,
    },
)
async def get_decision_evidence_pack(
    decision_id: uuid.UUID,
    scope: ScopeDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    projects: ProjectsClientDep,
    assessment: AssessmentClientDep,
    stakeholders: StakeholdersClientDep,
    form: FormatDep,
) -> EvidencePack | Response:
    """The decision evidence pack, as the evidence stood when the decision was recorded: the
    decision (outcome, rationale, conditions, dissent, the recommendation it followed or
    overrode, what superseded it, as of `as_of`); the assessment with its template's name and
    version, every assessor's moderated ratings, consensus, spread and outliers, confidence
    components and failed gates; the project's stage history up to the gate; outcome markers
    with their latest journal ratings then; stakeholder engagement at the gate; developmental
    evaluation items of the period. `digest` is the SHA-256 of the pack's canonical JSON
    (`digest_method` says how): ask again with the same `as_of` and `from` to prove a pack
    unchanged. Governance and admin in full; reporter and viewer without names. `?format=html`
    (or `Accept: text/html`): a printable page."""
    view = pack_reader(principal)
    pack = await service.evidence_pack(
        decision_id,
        scope,
        view,
        settings,
        projects=projects,
        assessment=assessment,
        stakeholders=stakeholders,
    )
    return respond(pack, form, evidence_page)
