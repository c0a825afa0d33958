"""Consent, data subject requests, the subject access export, erasure. Functions flush, never
commit (see shared/README.md)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.changes import emit_event, record_audit, set_action, to_jsonable
from shared.db import utcnow
from shared.idempotency import forget_stored_responses
from shared.project_access import ProjectTeams
from stakeholders_service.engagements.models import (
    EngagementPlanItem,
    FeedbackItem,
    Participation,
)
from stakeholders_service.equality.models import EqualityResponse
from stakeholders_service.involvement.models import InvolvementRole
from stakeholders_service.mapping.models import StakeholderAssessment
from stakeholders_service.privacy import repository
from stakeholders_service.privacy.errors import (
    Article9ConditionRequired,
    ConsentAlreadyWithdrawn,
    ExemptionRequired,
    ExtensionAlreadyUsed,
    IllegalRequestTransition,
    RequestMismatch,
)
from stakeholders_service.privacy.models import (
    SPECIAL_CATEGORY_PURPOSES,
    ConsentRecord,
    DataSubjectRequest,
    RequestOutcome,
    RequestStatus,
    RequestType,
)
from stakeholders_service.privacy.schemas import (
    ConsentCreate,
    ConsentRead,
    ErasureResult,
    RequestComplete,
    RequestCreate,
    RequestRead,
    RequestRefuse,
    SubjectExport,
)
from stakeholders_service.stakeholders import repository as stakeholders
from stakeholders_service.stakeholders.models import ProjectLink, Stakeholder, StakeholderStatus
from stakeholders_service.stakeholders.service import (
    ensure_not_erased,
    require_stakeholder_write,
    touch,
)

RESPONSE_MONTHS = 1  # UK GDPR Art. 12(3): one month from receipt...
EXTENSION_MONTHS = 2  # ...extendable by two further months where requests are complex.
ERASED_TEXT = "[erased]"


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later, or the month's last day when it has no such day (ICO)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _aware(value: dt.datetime | None, default: dt.datetime) -> dt.datetime:
    if value is None:
        return default
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


# -- consent ------------------------------------------------------------------------------------


def consent_read(consent: ConsentRecord, *, now: dt.datetime | None = None) -> ConsentRead:
    return ConsentRead.model_validate(
        {**snapshot_fields(consent), "state": consent.state_at(now or utcnow())}
    )


def snapshot_fields(entity: Any) -> dict[str, Any]:
    return {column.key: getattr(entity, column.key) for column in entity.__table__.columns}


async def record_consent(
    session: AsyncSession,
    *,
    stakeholder: Stakeholder,
    data: ConsentCreate,
    actor: Principal,
    teams: ProjectTeams,
) -> ConsentRecord:
    await require_stakeholder_write(session, principal=actor, teams=teams, stakeholder=stakeholder)
    ensure_not_erased(stakeholder)
    if data.purpose in SPECIAL_CATEGORY_PURPOSES and data.article9_condition is None:
        raise Article9ConditionRequired()
    now = utcnow()
    consent = ConsentRecord(
        stakeholder_id=stakeholder.id,
        recorded_by=actor.subject,
        **{
            **data.model_dump(),
            "given_at": _aware(data.given_at, now),
            "expires_at": _aware(data.expires_at, now) if data.expires_at else None,
        },
    )
    session.add(consent)
    touch(stakeholder)
    await session.flush()
    return consent


async def withdraw_consent(
    session: AsyncSession,
    *,
    stakeholder: Stakeholder,
    consent: ConsentRecord,
    withdrawn_at: dt.datetime | None,
    actor: Principal,
    teams: ProjectTeams,
) -> ConsentRecord:
    """Terminal. Processing that relies on the consent stops from `withdrawn_at` (contact
    details are no longer served for contact; linked equality answers leave the aggregates).
    Withdrawal does not erase: that is a separate request."""
    await require_stakeholder_write(session, principal=actor, teams=teams, stakeholder=stakeholder)
    if consent.withdrawn_at is not None:
        raise ConsentAlreadyWithdrawn(f"Withdrawn at {consent.withdrawn_at.isoformat()}.")
    consent.withdrawn_at = _aware(withdrawn_at, utcnow())
    set_action(consent, "withdrawn")
    touch(stakeholder)
    await session.flush()
    await emit_event(
        session,
        type_="consent.withdrawn",
        entity_type="consent_record",
        entity_id=consent.id,
        data={
            "consent_id": consent.id,
            "stakeholder_id": consent.stakeholder_id,
            "purpose": consent.purpose,
            "withdrawn_at": consent.withdrawn_at,
        },
    )
    return consent


# -- data subject requests ---------------------------------------------------------------------

_OPEN = (RequestStatus.received, RequestStatus.identity_verified, RequestStatus.in_progress)
_NEXT = {
    "verify": ((RequestStatus.received,), RequestStatus.identity_verified),
    "start": ((RequestStatus.identity_verified,), RequestStatus.in_progress),
    "complete": ((RequestStatus.in_progress,), RequestStatus.completed),
    "refuse": (_OPEN, RequestStatus.refused),
}


def request_read(request: DataSubjectRequest, *, now: dt.datetime | None = None) -> RequestRead:
    moment = now or utcnow()
    overdue = request.status in _OPEN and request.due_at <= moment
    return RequestRead.model_validate({**snapshot_fields(request), "overdue": overdue})


async def open_request(
    session: AsyncSession, *, stakeholder: Stakeholder, data: RequestCreate, actor: Principal
) -> DataSubjectRequest:
    received_at = _aware(data.received_at, utcnow())
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


def _transition(request: DataSubjectRequest, step: str) -> None:
    allowed, target = _NEXT[step]
    if request.status not in allowed:
        raise IllegalRequestTransition(
            f"A request that is {request.status.value} cannot move to {target.value}."
        )
    request.status = target
    set_action(request, target.value)


async def verify_identity(session: AsyncSession, request: DataSubjectRequest) -> DataSubjectRequest:
    _transition(request, "verify")
    request.identity_verified_at = utcnow()
    await session.flush()
    return request


async def start_request(session: AsyncSession, request: DataSubjectRequest) -> DataSubjectRequest:
    _transition(request, "start")
    await session.flush()
    return request


async def extend_request(
    session: AsyncSession, request: DataSubjectRequest, *, reason: str
) -> DataSubjectRequest:
    if request.status not in _OPEN:
        raise IllegalRequestTransition(f"A {request.status.value} request cannot be extended.")
    if request.extended_at is not None:
        raise ExtensionAlreadyUsed(f"Already extended on {request.extended_at.isoformat()}.")
    request.extended_at = utcnow()
    request.extension_reason = reason
    # Two further months counted from the original one-month deadline's start (receipt).
    request.due_at = add_months(request.received_at, RESPONSE_MONTHS + EXTENSION_MONTHS)
    set_action(request, "extended")
    await session.flush()
    return request


async def complete_request(
    session: AsyncSession, request: DataSubjectRequest, *, data: RequestComplete
) -> DataSubjectRequest:
    if data.outcome is not RequestOutcome.actioned and data.exemption is None:
        raise ExemptionRequired()
    _transition(request, "complete")
    request.outcome, request.exemption = data.outcome, data.exemption
    if data.notes is not None:
        request.notes = data.notes
    request.closed_at = utcnow()
    await session.flush()
    return request


async def refuse_request(
    session: AsyncSession, request: DataSubjectRequest, *, data: RequestRefuse
) -> DataSubjectRequest:
    _transition(request, "refuse")
    request.outcome, request.exemption = RequestOutcome.refused, data.exemption
    if data.notes is not None:
        request.notes = data.notes
    request.closed_at = utcnow()
    await session.flush()
    return request


async def flag_overdue_requests(session: AsyncSession, *, now: dt.datetime) -> int:
    """Raise `data_subject_request.overdue` once for each open request past its due date."""
    statement = repository.requests_statement(stakeholder_id=None, status=None, overdue_at=now)
    requests = list(
        await session.scalars(statement.where(DataSubjectRequest.overdue_notified_at.is_(None)))
    )
    for request in requests:
        request.overdue_notified_at = now
        await emit_event(
            session,
            type_="data_subject_request.overdue",
            entity_type="data_subject_request",
            entity_id=request.id,
            data={
                "request_id": request.id,
                "stakeholder_id": request.stakeholder_id,
                "type": request.type,
                "due_at": request.due_at,
            },
        )
    await session.flush()
    return len(requests)


# -- access export ------------------------------------------------------------------------------


def _rows(entities: Any) -> list[dict[str, Any]]:
    return [_plain(entity) for entity in entities]


def _plain(entity: Any) -> dict[str, Any]:
    return {key: to_jsonable(value) for key, value in snapshot_fields(entity).items()}


async def export_subject(
    session: AsyncSession, *, stakeholder: Stakeholder, actor: Principal
) -> SubjectExport:
    """A complete JSON copy of every row this service holds about the person (Art. 15, 20)."""
    sid = stakeholder.id

    async def rows_of(model: Any, column: Any) -> list[dict[str, Any]]:
        return _rows(await session.scalars(select(model).where(column == sid).order_by(model.id)))

    export = SubjectExport(
        generated_at=utcnow(),
        stakeholder_id=sid,
        stakeholder=_plain(stakeholder),
        contact_details=_plain(stakeholder.contact) if stakeholder.contact else None,
        project_links=await rows_of(ProjectLink, ProjectLink.stakeholder_id),
        assessments=await rows_of(StakeholderAssessment, StakeholderAssessment.stakeholder_id),
        consents=[
            {**_plain(c), "state": c.state_at(utcnow()).value}
            for c in await repository.consents_of(session, sid)
        ],
        data_subject_requests=_rows(await repository.requests_of(session, sid)),
        engagement_plan_items=await rows_of(EngagementPlanItem, EngagementPlanItem.stakeholder_id),
        participations=await rows_of(Participation, Participation.stakeholder_id),
        feedback_items=await rows_of(FeedbackItem, FeedbackItem.raised_by),
        involvement_roles=await rows_of(InvolvementRole, InvolvementRole.stakeholder_id),
        equality_responses=await rows_of(EqualityResponse, EqualityResponse.stakeholder_id),
    )
    sections = [name for name, value in export if isinstance(value, list)]
    await record_audit(
        session,
        entity_type="stakeholder",
        entity_id=sid,
        action="exported",
        changes={"format": export.format, "sections": sections, "requested_by": actor.subject},
    )
    return export


# -- erasure ------------------------------------------------------------------------------------


async def erase_stakeholder(
    session: AsyncSession,
    *,
    stakeholder: Stakeholder,
    request: DataSubjectRequest | None = None,
    now: dt.datetime | None = None,
) -> ErasureResult:
    """Delete the person's personal data and keep a tombstone (DOMAIN.md A3.6):

    contact details, consent records and linked equality answers are deleted; names, external
    references, free text they wrote or that was written about them are cleared; the stakeholder
    row keeps only its id, kind, category and public-contributor flag, so anonymous counts stay
    true. Stored idempotent replays that echo the person are forgotten too. Audit and events
    never held the values (`__audit_redact__`). Emits `stakeholder.erased`."""
    ensure_not_erased(stakeholder)
    if request is not None and (
        request.stakeholder_id != stakeholder.id
        or request.type is not RequestType.erasure
        or request.status is not RequestStatus.in_progress
    ):
        raise RequestMismatch("Pass an erasure request of this stakeholder that is in progress.")
    erased_at = now or utcnow()
    sid = stakeholder.id
    contact = stakeholder.contact
    echoes = [str(sid), stakeholder.display_name or "", stakeholder.external_ref or ""]
    if contact is not None:
        echoes += [contact.email or "", contact.phone or "", contact.postal_address or ""]
    deleted: dict[str, int] = {}

    if contact is not None:
        await session.delete(contact)
    deleted["contact_details"] = int(contact is not None)

    equality = list(
        await session.scalars(
            select(EqualityResponse).where(EqualityResponse.stakeholder_id == sid)
        )
    )
    for response in equality:
        await session.delete(response)
    deleted["equality_responses"] = len(equality)
    await session.flush()  # before their consents go (they reference them)

    consents = await repository.consents_of(session, sid)
    for consent in consents:
        await session.delete(consent)
    deleted["consent_records"] = len(consents)

    assessments = list(
        await session.scalars(
            select(StakeholderAssessment).where(
                StakeholderAssessment.stakeholder_id == sid,
                StakeholderAssessment.rationale.is_not(None),
            )
        )
    )
    for assessment in assessments:
        assessment.rationale = None
    deleted["assessment_rationales"] = len(assessments)

    feedback = list(
        await session.scalars(select(FeedbackItem).where(FeedbackItem.raised_by == sid))
    )
    for item in feedback:
        item.content = ERASED_TEXT
    deleted["feedback_contents"] = len(feedback)

    requests = [r for r in await repository.requests_of(session, sid) if r.notes]
    for other in requests:
        other.notes = None
    deleted["request_notes"] = len(requests)

    stakeholder.display_name = None
    stakeholder.external_ref = None
    stakeholder.under_served_group_codes = []
    stakeholder.organisation_id = None
    stakeholder.status = StakeholderStatus.erased
    stakeholder.erased_at = erased_at
    stakeholder.contact = None
    # The row change is `stakeholder.tombstoned`; `stakeholder.erased` below is the contract.
    set_action(stakeholder, "tombstoned")
    if request is not None:
        request.status = RequestStatus.completed
        request.outcome = RequestOutcome.actioned
        request.closed_at = erased_at
        set_action(request, RequestStatus.completed.value)
    await session.flush()

    deleted["idempotent_replays"] = await forget_stored_responses(session, containing=echoes)
    await record_audit(
        session, entity_type="stakeholder", entity_id=sid, action="erased", changes=deleted
    )
    await emit_event(
        session,
        type_="stakeholder.erased",
        entity_type="stakeholder",
        entity_id=sid,
        data={"stakeholder_id": sid, "erased_at": erased_at},
    )
    return ErasureResult(stakeholder_id=sid, erased_at=erased_at, deleted=deleted)


async def load_for_erasure(session: AsyncSession, stakeholder_id: Any) -> Stakeholder | None:
    return await stakeholders.get(session, stakeholder_id)
