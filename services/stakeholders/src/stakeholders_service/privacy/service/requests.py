"""Privacy: data subject requests (UK GDPR Art. 12-22): due dates, the one extension, and the
request's moves (`POST .../transitions`). Functions flush, never commit (see shared/README.md)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.event_contract import DomainEvent, row_actions, targets_of
from shared.pagination import Page, Pagination
from shared.transitions import allowed_from, check_transition
from stakeholders_service.privacy import repository
from stakeholders_service.privacy.errors import (
    ExemptionRequired,
    ExtensionAlreadyUsed,
    FieldNotForThisTransition,
    OutcomeRequired,
    RequestClosed,
)
from stakeholders_service.privacy.models import (
    DataSubjectRequest,
    RequestOutcome,
    RequestStatus,
    RequestType,
)
from stakeholders_service.privacy.schemas import RequestCreate, RequestRead, RequestTransition
from stakeholders_service.privacy.service.common import add_months, aware, snapshot_fields
from stakeholders_service.stakeholders.models import Stakeholder

RESPONSE_MONTHS = 1  # UK GDPR Art. 12(3): one month from receipt...
EXTENSION_MONTHS = 2  # ...extendable by two further months where requests are complex.

OPEN = (RequestStatus.received, RequestStatus.identity_verified, RequestStatus.in_progress)
# Identity first, then the work, then the answer; a request may be refused while it is open.
REQUEST_EDGES: dict[RequestStatus, tuple[RequestStatus, ...]] = {
    RequestStatus.received: (RequestStatus.identity_verified, RequestStatus.refused),
    RequestStatus.identity_verified: (RequestStatus.in_progress, RequestStatus.refused),
    RequestStatus.in_progress: (RequestStatus.completed, RequestStatus.refused),
    RequestStatus.completed: (),
    RequestStatus.refused: (),
}
# `set_action(request, data.to.value)` names each move after its target; "extended" below.
row_actions(DataSubjectRequest, *targets_of(REQUEST_EDGES), "extended")


def request_read(request: DataSubjectRequest, *, now: dt.datetime | None = None) -> RequestRead:
    """Only governance and admins handle requests, so what may happen next is the same for
    every caller who can read one."""
    moment = now or utcnow()
    overdue = request.status in OPEN and request.due_at <= moment
    return RequestRead.model_validate(
        {
            **snapshot_fields(request),
            "overdue": overdue,
            "allowed_transitions": allowed_from(REQUEST_EDGES, request.status),
        }
    )


async def list_requests(
    session: AsyncSession,
    *,
    pagination: Pagination,
    stakeholder_id: uuid.UUID | None,
    status: RequestStatus | None,
    overdue: bool,
) -> Page[RequestRead]:
    now = utcnow()
    statement = repository.requests_statement(
        stakeholder_id=stakeholder_id, status=status, overdue_at=now if overdue else None
    )
    rows = await pagination.rows(
        session,
        statement,
        id_column=DataSubjectRequest.id,
        updated_column=DataSubjectRequest.updated_at,
    )
    return Page[RequestRead](
        items=[request_read(r, now=now) for r in rows.items], next_cursor=rows.next_cursor
    )


async def open_request(
    session: AsyncSession, *, stakeholder: Stakeholder, data: RequestCreate, actor: Principal
) -> DataSubjectRequest:
    received_at = aware(data.received_at, utcnow())
    request = DataSubjectRequest(
        stakeholder_id=stakeholder.id,
        type=data.type,
        received_at=received_at,
        due_at=add_months(received_at, RESPONSE_MONTHS),
        notes=data.notes,
        created_by=actor.subject,
    )
    session.add(request)
    await session.flush()
    return request


def _check_fields(data: RequestTransition) -> None:
    """What each move needs (422 naming the field): an outcome to complete, an exemption to
    refuse or to complete other than `actioned`, and neither for any other move."""
    if data.to is RequestStatus.completed:
        if data.outcome is None:
            raise OutcomeRequired()
        if data.outcome is not RequestOutcome.actioned and data.exemption is None:
            raise ExemptionRequired()
        return
    if data.outcome is not None:
        raise FieldNotForThisTransition("outcome", data.to.value)
    if data.to is RequestStatus.refused:
        if data.exemption is None:
            raise ExemptionRequired()
    elif data.exemption is not None:
        raise FieldNotForThisTransition("exemption", data.to.value)


async def transition_request(
    session: AsyncSession, request: DataSubjectRequest, *, data: RequestTransition
) -> DataSubjectRequest:
    """Move the request (409 `illegal-transition` when its status has no such edge). Closing
    it (completed or refused) records the outcome, the exemption and when; `reason` is added to
    its notes as a line `<status>: <reason>`."""
    check_transition(REQUEST_EDGES, request.status, data.to)
    _check_fields(data)
    now = utcnow()
    if data.to is RequestStatus.identity_verified:
        request.identity_verified_at = now
    elif data.to in (RequestStatus.completed, RequestStatus.refused):
        request.outcome = data.outcome or RequestOutcome.refused
        request.exemption = data.exemption
        request.closed_at = now
    if data.reason is not None:
        line = f"{data.to.value}: {data.reason}"
        request.notes = f"{request.notes}\n{line}" if request.notes else line
    request.status = data.to
    set_action(request, data.to.value)
    await session.flush()
    return request


async def extend_request(
    session: AsyncSession, request: DataSubjectRequest, *, reason: str
) -> DataSubjectRequest:
    """Once, with a reason, while open: due three months after receipt instead of one. Not a
    move (the status stays), so it keeps its own endpoint."""
    if request.status not in OPEN:
        raise RequestClosed(f"A {request.status.value} request cannot be extended.")
    if request.extended_at is not None:
        raise ExtensionAlreadyUsed(f"Already extended on {request.extended_at.isoformat()}.")
    request.extended_at = utcnow()
    request.extension_reason = reason
    # Two further months counted from the original one-month deadline's start (receipt).
    request.due_at = add_months(request.received_at, RESPONSE_MONTHS + EXTENSION_MONTHS)
    set_action(request, "extended")
    await session.flush()
    return request


class DataSubjectRequestOverdue(
    DomainEvent, type_="data_subject_request.overdue", entity="data_subject_request"
):
    """An open data subject request passed its due date (raised once per request)."""

    request_id: uuid.UUID
    stakeholder_id: uuid.UUID
    type: RequestType
    due_at: dt.datetime


async def flag_overdue_requests(session: AsyncSession, *, now: dt.datetime) -> int:
    """Raise `data_subject_request.overdue` once for each open request past its due date."""
    requests = await repository.unflagged_overdue_requests(session, now=now)
    for request in requests:
        request.overdue_notified_at = now
        await emit_event(
            session,
            DataSubjectRequestOverdue(
                request_id=request.id,
                stakeholder_id=request.stakeholder_id,
                type=request.type,
                due_at=request.due_at,
            ),
            entity_id=request.id,
        )
    await session.flush()
    return len(requests)
