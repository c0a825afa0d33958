"""Consent, data subject requests, the access export, erasure and retention runs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from shared.auth import Principal, PrincipalDep, Role, require_roles
from shared.db import SessionDep, WriteSessionDep, utcnow
from shared.etag import PreconditionFailed, check_if_match, conditional_get, etag_for, mark_created
from shared.http import UpstreamUnavailable
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses
from shared.project_access import NotATeamMember
from shared.types import QueryBool
from stakeholders_service.privacy import repository, retention, service
from stakeholders_service.privacy.dependencies import ConsentDep, RequestDep
from stakeholders_service.privacy.errors import (
    Article9ConditionRequired,
    ConsentAlreadyWithdrawn,
    ConsentNotFound,
    ExemptionRequired,
    ExtensionAlreadyUsed,
    IllegalRequestTransition,
    RequestMismatch,
    RequestNotFound,
)
from stakeholders_service.privacy.models import ConsentRecord, DataSubjectRequest, RequestStatus
from stakeholders_service.privacy.schemas import (
    ConsentCreate,
    ConsentRead,
    ConsentWithdraw,
    ErasureCreate,
    ErasureResult,
    RequestComplete,
    RequestCreate,
    RequestExtend,
    RequestRead,
    RequestRefuse,
    RetentionRun,
    SubjectExport,
)
from stakeholders_service.settings import SettingsDep
from stakeholders_service.stakeholders.dependencies import (
    ProjectsDep,
    StakeholderDep,
    get_stakeholder_or_404,
)
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
    return service.consent_read(consent)


@router.get("/{stakeholder_id}/consents", responses=problem_responses(StakeholderNotFound))
async def list_consents(
    stakeholder: StakeholderDep,
    session: SessionDep,
    _: PrincipalDep,
    pagination: ConsentPagination,
) -> Page[ConsentRead]:
    rows = await pagination.rows(
        session,
        repository.consents_statement(stakeholder.id),
        id_column=ConsentRecord.id,
        updated_column=ConsentRecord.updated_at,
    )
    now = utcnow()
    return Page[ConsentRead](
        items=[service.consent_read(c, now=now) for c in rows.items], next_cursor=rows.next_cursor
    )


@router.post(
    "/{stakeholder_id}/consents/{consent_id}/withdraw",
    responses=problem_responses(
        StakeholderNotFound,
        ConsentNotFound,
        NotATeamMember,
        ConsentAlreadyWithdrawn,
        PreconditionFailed,
        UpstreamUnavailable,
    ),
)
async def withdraw_consent(
    stakeholder: StakeholderDep,
    consent: ConsentDep,
    session: SessionDep,
    actor: Editor,
    client: ProjectsDep,
    request: Request,
    response: Response,
    data: ConsentWithdraw | None = None,
) -> ConsentRead:
    """Withdraw (terminal); emits `consent.withdrawn`. Dependent processing stops. The same
    team rule as recording one."""
    check_if_match(request, consent.version)
    consent = await service.withdraw_consent(
        session,
        stakeholder=stakeholder,
        consent=consent,
        actor=actor,
        teams=client,
        withdrawn_at=data.withdrawn_at if data else None,
    )
    response.headers["ETag"] = etag_for(consent.version)
    return service.consent_read(consent)


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
    now = utcnow()
    statement = repository.requests_statement(
        stakeholder_id=stakeholder_id, status=status_, overdue_at=now if overdue else None
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=DataSubjectRequest.id,
        updated_column=DataSubjectRequest.updated_at,
    )
    return Page[RequestRead](
        items=[service.request_read(r, now=now) for r in rows.items],
        next_cursor=rows.next_cursor,
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


_TRANSITION_ERRORS = problem_responses(
    RequestNotFound, IllegalRequestTransition, PreconditionFailed
)


@router.post(f"{_REQUESTS}/{{request_id}}/verify-identity", responses=_TRANSITION_ERRORS)
async def verify_request_identity(
    dsr: RequestDep, session: SessionDep, _: Officer, request: Request, response: Response
) -> RequestRead:
    check_if_match(request, dsr.version)
    dsr = await service.verify_identity(session, dsr)
    response.headers["ETag"] = etag_for(dsr.version)
    return service.request_read(dsr)


@router.post(f"{_REQUESTS}/{{request_id}}/start", responses=_TRANSITION_ERRORS)
async def start_data_subject_request(
    dsr: RequestDep, session: SessionDep, _: Officer, request: Request, response: Response
) -> RequestRead:
    check_if_match(request, dsr.version)
    dsr = await service.start_request(session, dsr)
    response.headers["ETag"] = etag_for(dsr.version)
    return service.request_read(dsr)


@router.post(
    f"{_REQUESTS}/{{request_id}}/extend",
    responses=problem_responses(
        RequestNotFound, IllegalRequestTransition, ExtensionAlreadyUsed, PreconditionFailed
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
    """Once only, with a reason: due three months after receipt instead of one."""
    check_if_match(request, dsr.version)
    dsr = await service.extend_request(session, dsr, reason=data.reason)
    response.headers["ETag"] = etag_for(dsr.version)
    return service.request_read(dsr)


@router.post(
    f"{_REQUESTS}/{{request_id}}/complete",
    responses=problem_responses(
        RequestNotFound, IllegalRequestTransition, ExemptionRequired, PreconditionFailed
    ),
)
async def complete_data_subject_request(
    dsr: RequestDep,
    data: RequestComplete,
    session: SessionDep,
    _: Officer,
    request: Request,
    response: Response,
) -> RequestRead:
    check_if_match(request, dsr.version)
    dsr = await service.complete_request(session, dsr, data=data)
    response.headers["ETag"] = etag_for(dsr.version)
    return service.request_read(dsr)


@router.post(f"{_REQUESTS}/{{request_id}}/refuse", responses=_TRANSITION_ERRORS)
async def refuse_data_subject_request(
    dsr: RequestDep,
    data: RequestRefuse,
    session: SessionDep,
    _: Officer,
    request: Request,
    response: Response,
) -> RequestRead:
    check_if_match(request, dsr.version)
    dsr = await service.refuse_request(session, dsr, data=data)
    response.headers["ETag"] = etag_for(dsr.version)
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
    dsr = None
    if data is not None and data.request_id is not None:
        dsr = await repository.get_request(session, data.request_id)
        if dsr is None:
            raise RequestNotFound(f"No data subject request with id {data.request_id}.")
    return await service.erase_stakeholder(session, stakeholder=stakeholder, request=dsr)


@router.post("/retention-runs", responses=problem_responses())
async def run_retention(session: SessionDep, _: Admin, settings: SettingsDep) -> RetentionRun:
    """Apply the retention schedule now (the background task does this daily); audited."""
    return await retention.apply_retention(session, retention_days=settings.retention_days)
