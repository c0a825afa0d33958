"""Privacy: everything held about one person, as an export (Art. 15, 20) or erased (Art. 17).

Each domain's rows of the person come from that domain's repository (engagements and mapping
from `privacy/erasure_repository.py`); nothing here queries. Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.changes import emit_event, record_audit, set_action
from shared.db import utcnow
from shared.event_contract import DomainEvent, row_actions
from shared.idempotency import forget_stored_responses
from stakeholders_service.equality import repository as equality
from stakeholders_service.involvement import repository as involvement
from stakeholders_service.privacy import erasure_repository as elsewhere, repository
from stakeholders_service.privacy.errors import RequestMismatch, RequestNotFound
from stakeholders_service.privacy.models import (
    DataSubjectRequest,
    RequestOutcome,
    RequestStatus,
    RequestType,
)
from stakeholders_service.privacy.schemas import ErasureResult, SubjectExport
from stakeholders_service.privacy.service.common import plain
from stakeholders_service.stakeholders import repository as stakeholders
from stakeholders_service.stakeholders.models import Stakeholder, StakeholderStatus
from stakeholders_service.stakeholders.service import ensure_not_erased

ERASED_TEXT = "[erased]"


def _rows(entities: Any) -> list[dict[str, Any]]:
    return [plain(entity) for entity in entities]


async def export_subject(
    session: AsyncSession, *, stakeholder: Stakeholder, actor: Principal
) -> SubjectExport:
    """A complete JSON copy of every row this service holds about the person (Art. 15, 20)."""
    sid = stakeholder.id
    now = utcnow()
    export = SubjectExport(
        generated_at=now,
        stakeholder_id=sid,
        stakeholder=plain(stakeholder),
        contact_details=plain(stakeholder.contact) if stakeholder.contact else None,
        project_links=_rows(await stakeholders.links_of(session, sid)),
        assessments=_rows(await elsewhere.assessments_of(session, sid)),
        consents=[
            {**plain(c), "state": c.state_at(now).value}
            for c in await repository.consents_of(session, sid)
        ],
        data_subject_requests=_rows(await repository.requests_of(session, sid)),
        engagement_plan_items=_rows(await elsewhere.plan_items_of(session, sid)),
        participations=_rows(await elsewhere.participations_of(session, sid)),
        feedback_items=_rows(await elsewhere.feedback_raised_by(session, sid)),
        involvement_roles=_rows(await involvement.roles_of_stakeholder(session, sid)),
        equality_responses=_rows(await equality.responses_of(session, sid)),
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


async def erasure_request(
    session: AsyncSession, request_id: uuid.UUID | None
) -> DataSubjectRequest | None:
    """The request an erasure names (404 when there is none with that id)."""
    if request_id is None:
        return None
    request = await repository.get_request(session, request_id)
    if request is None:
        raise RequestNotFound(f"No data subject request with id {request_id}.")
    return request


# The row changes erasure names: the stakeholder's tombstone, the request it completes.
row_actions(Stakeholder, "tombstoned")
row_actions(DataSubjectRequest, RequestStatus.completed.value)


class StakeholderErased(DomainEvent, type_="stakeholder.erased", entity="stakeholder"):
    """A stakeholder's personal data was erased (the record stays as a tombstone)."""

    stakeholder_id: uuid.UUID
    erased_at: dt.datetime


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
        await stakeholders.delete_contact(session, contact)
    deleted["contact_details"] = int(contact is not None)
    # Before their consents go (they reference them).
    deleted["equality_responses"] = await equality.delete_responses_of(session, sid)
    deleted["consent_records"] = await repository.delete_consents_of(session, sid)
    deleted["assessment_rationales"] = await elsewhere.clear_assessment_rationales(session, sid)
    deleted["feedback_contents"] = await elsewhere.redact_feedback_raised_by(
        session, sid, text=ERASED_TEXT
    )
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
        session, StakeholderErased(stakeholder_id=sid, erased_at=erased_at), entity_id=sid
    )
    return ErasureResult(stakeholder_id=sid, erased_at=erased_at, deleted=deleted)
