"""Consent, data subject requests, the access export, erasure and retention runs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep, WriteSessionDep
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
from shared.transitions import IllegalTransition
from shared.types import QueryBool
from stakeholders_service.clients.projects import ProjectsDep, UpstreamUnavailable
from stakeholders_service.privacy import retention, service
from stakeholders_service.privacy.dependencies import ConsentDep, RequestDep
from stakeholders_service.privacy.errors import (
    Article9ConditionRequired,
    ConsentNotFound,
    ExemptionRequired,
    ExtensionAlreadyUsed,
    FieldNotForThisTransition,
    OutcomeRequired,
    RequestClosed,
    RequestMismatch,
    RequestNotFound,
)
from stakeholders_service.privacy.models import ConsentRecord, DataSubjectRequest, RequestStatus
from stakeholders_service.privacy.schemas import (
    ConsentCreate,
    ConsentRead,
    ConsentTransition,
    ErasureCreate,
    ErasureResult,
    RequestCreate,
    RequestExtend,
    RequestRead,
    RequestTransition,
    RetentionRun,
    SubjectExport,
)
from stakeholders_service.settings import SettingsDep
from stakeholders_service.stakeholders.dependencies import StakeholderDep, get_stakeholder_or_404
from stakeholders_service.stakeholders.errors import StakeholderErased, StakeholderNotFound

router = APIRouter(prefix="/v1/stakeholders", tags=["personal data"])

Editor = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.contributor, Role.evaluator))
]
# Governance handles data subject requests and erasure (no personal data is returned by them).
Officer = Annotated[Principal, Depends(require_roles(Role.governance))]
# Personal data leaves the service in bulk only to admins.
Admin = Annotated[Principal, Depends(require_roles(Role.admin))]
ConsentPagination = Annotated[
    Pagination, Depends(pagination_dependency({"given_at": ConsentRecord.given_at}))
]
RequestPagination = Annotated[
    Pagination,
    Depends(
        pagination_dependency(
            {"due_at": DataSubjectRequest.due_at, "received_at": DataSubjectRequest.received_at}
        )
    ),
]
_REQUESTS = "/data-subject-requests"


# -- consent ------------------------------------------------------------------------------------


@router.post(
    "/{stakeholder_id}/consents",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(
        StakeholderNotFound,
        NotATeamMember,
        StakeholderErased,
        Article9ConditionRequired,
        UpstreamUnavailable,
    ),
)
async def record_consent(
    stakeholder: StakeholderDep,
    data: ConsentCreate,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    response: Response,
) -> ConsentRead:
    """Append a consent record (never edited; withdrawal is its own action). Contributors and
    evaluators record consent only for stakeholders linked to a project whose team they are on."""
    consent = await service.record_consent(
        session, stakeholder=stakeholder, data=data, actor=actor, teams=client
    )
    mark_created(
        response, f"{router.prefix}/{stakeholder.id}/consents/{consent.id}", consent.version
    )
    return service.consent_read(consent, principal=actor)


@router.get("/{stakeholder_id}/consents", responses=problem_responses(StakeholderNotFound))
async def list_consents(
    stakeholder: StakeholderDep,
    session: SessionDep,
    principal: PrincipalDep,
    pagination: ConsentPagination,
) -> Page[ConsentRead]:
    return await service.list_consents(
        session, stakeholder, principal=principal, pagination=pagination
    )


@router.get(
    "/{stakeholder_id}/consents/{consent_id}",
    responses=problem_responses(StakeholderNotFound, ConsentNotFound, 304),
)
async def get_consent(
    consent: ConsentDep, principal: PrincipalDep, request: Request, response: Response
) -> ConsentRead:
    """One consent record (where a new one's `Location` points), with its ETag for `If-Match`."""
    conditional_get(request, response, consent.version)
    return service.consent_read(consent, principal=principal)


@router.post(
    "/{stakeholder_id}/consents/{consent_id}/transitions",
    responses=problem_responses(
        StakeholderNotFound,
        ConsentNotFound,
        NotATeamMember,
        IllegalTransition,
        PreconditionFailed,
        UpstreamUnavailable,
    ),
)
async def transition_consent(
    stakeholder: StakeholderDep,
    consent: ConsentDep,
    data: ConsentTransition,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    request: Request,
    response: Response,
) -> ConsentRead:
    """Withdraw: `{"to": "withdrawn"}` (terminal; 409 `illegal-transition` once withdrawn);
    emits `consent.withdrawn`. Dependent processing stops. The same team rule as recording
    one; `If-Match` honoured."""
    check_if_match(request, consent.version)
    consent = await service.transition_consent(
        session, stakeholder=stakeholder, consent=consent, data=data, actor=actor, teams=client
    )
    mark_version(response, consent.version)
    return service.consent_read(consent, principal=actor)


# -- data subject requests ---------------------------------------------------------------------


@router.get(_REQUESTS, responses=problem_responses())
async def list_data_subject_requests(
    session: SessionDep,
    _: Officer,
    pagination: RequestPagination,
    stakeholder_id: uuid.UUID | None = None,
    status_: Annotated[RequestStatus | None, Query(alias="status")] = None,
    overdue: Annotated[
        QueryBool, Query(description="Only open requests past their due date.")
    ] = False,
) -> Page[RequestRead]:
    return await service.list_requests(
        session,
        pagination=pagination,
        stakeholder_id=stakeholder_id,
        status=status_,
        overdue=overdue,
    )


@router.get(f"{_REQUESTS}/{{request_id}}", responses=problem_responses(RequestNotFound, 304))
async def get_data_subject_request(
    dsr: RequestDep, _: Officer, request: Request, response: Response
) -> RequestRead:
    conditional_get(request, response, dsr.version)
    return service.request_read(dsr)


@router.post(
    "/{stakeholder_id}" + _REQUESTS,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(StakeholderNotFound),
)
async def open_data_subject_request(
    stakeholder: StakeholderDep,
    data: RequestCreate,
    session: SessionDep,
    actor: Officer,
    response: Response,
) -> RequestRead:
    """Log a request; it is due one calendar month after receipt."""
    dsr = await service.open_request(session, stakeholder=stakeholder, data=data, actor=actor)
    mark_created(response, f"{router.prefix}{_REQUESTS}/{dsr.id}", dsr.version)
    return service.request_read(dsr)


@router.post(
    f"{_REQUESTS}/{{request_id}}/transitions",
    responses=problem_responses(
        RequestNotFound,
        IllegalTransition,
        OutcomeRequired,
        ExemptionRequired,
        FieldNotForThisTransition,
        PreconditionFailed,
    ),
)
async def transition_data_subject_request(
    dsr: RequestDep,
    data: RequestTransition,
    session: SessionDep,
    _: Officer,
    request: Request,
    response: Response,
) -> RequestRead:
    """Move the request: `identity_verified`, `in_progress`, `completed` (with `outcome`, and an
    `exemption` unless `actioned`), or `refused` (with `exemption`) from any open status. See
    `allowed_transitions`; 409 `illegal-transition` otherwise. `If-Match` honoured."""
    check_if_match(request, dsr.version)
    dsr = await service.transition_request(session, dsr, data=data)
    mark_version(response, dsr.version)
    return service.request_read(dsr)


@router.post(
    f"{_REQUESTS}/{{request_id}}/extend",
    responses=problem_responses(
        RequestNotFound, RequestClosed, ExtensionAlreadyUsed, PreconditionFailed
    ),
)
async def extend_data_subject_request(
    dsr: RequestDep,
    data: RequestExtend,
    session: SessionDep,
    _: Officer,
    request: Request,
    response: Response,
) -> RequestRead:
    """Once only, with a reason: due three months after receipt instead of one (the status
    stays, so this is not a transition)."""
    check_if_match(request, dsr.version)
    dsr = await service.extend_request(session, dsr, reason=data.reason)
    mark_version(response, dsr.version)
    return service.request_read(dsr)


# -- export, erasure, retention -----------------------------------------------------------------


@router.get("/{stakeholder_id}/export", responses=problem_responses(StakeholderNotFound))
async def export_stakeholder_data(
    stakeholder_id: uuid.UUID, session: WriteSessionDep, actor: Admin, response: Response
) -> SubjectExport:
    """Access and portability: everything this service holds about the person, as JSON
    (admin only; each export is audited, so this read uses a writing session)."""
    stakeholder = await get_stakeholder_or_404(stakeholder_id, session)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="stakeholder-{stakeholder.id}.json"'
    )
    return await service.export_subject(session, stakeholder=stakeholder, actor=actor)


@router.post(
    "/{stakeholder_id}/erasure",
    responses=problem_responses(
        StakeholderNotFound, StakeholderErased, RequestNotFound, RequestMismatch
    ),
)
async def erase_stakeholder(
    stakeholder: StakeholderDep,
    session: SessionDep,
    _: Officer,
    data: ErasureCreate | None = None,
) -> ErasureResult:
    """Erase the person's personal data, keep a tombstone, emit `stakeholder.erased`
    (`{"stakeholder_id", "erased_at"}`); completes the erasure request when one is given."""
    dsr = await service.erasure_request(session, data.request_id if data else None)
    return await service.erase_stakeholder(session, stakeholder=stakeholder, request=dsr)


@router.post("/retention-runs", responses=problem_responses())
async def run_retention(session: SessionDep, _: Admin, settings: SettingsDep) -> RetentionRun:
    """Apply the retention schedule now (the background task does this daily); audited."""
    return await retention.apply_retention(session, retention_days=settings.retention_days)
