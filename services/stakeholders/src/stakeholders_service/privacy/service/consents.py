"""Privacy: consent records (appended, never edited) and their one move, withdrawal.

Functions flush, never commit (see shared/README.md)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal
from shared.changes import emit_event, set_action
from shared.db import utcnow
from shared.event_contract import DomainEvent, row_actions, targets_of
from shared.pagination import Page, Pagination
from shared.project_access import PROJECT_WORK, ProjectTeams
from shared.transitions import allowed_from, check_transition
from stakeholders_service.privacy import repository
from stakeholders_service.privacy.errors import Article9ConditionRequired
from stakeholders_service.privacy.models import (
    SPECIAL_CATEGORY_PURPOSES,
    ConsentPurpose,
    ConsentRecord,
    ConsentState,
)
from stakeholders_service.privacy.schemas import ConsentCreate, ConsentRead, ConsentTransition
from stakeholders_service.privacy.service.common import aware, snapshot_fields
from stakeholders_service.stakeholders.models import Stakeholder
from stakeholders_service.stakeholders.service import (
    ensure_not_erased,
    require_stakeholder_write,
    touch,
)

# Withdrawal is the only move and it is terminal. An expired consent may still be withdrawn (the
# record then says so); `given` and `expired` are reached by recording and by date, never asked.
CONSENT_EDGES: dict[ConsentState, tuple[ConsentState, ...]] = {
    ConsentState.given: (ConsentState.withdrawn,),
    ConsentState.expired: (ConsentState.withdrawn,),
    ConsentState.withdrawn: (),
}
row_actions(ConsentRecord, *targets_of(CONSENT_EDGES))


class ConsentWithdrawn(DomainEvent, type_="consent.withdrawn", entity="consent_record"):
    """A stakeholder withdrew a consent (for its `purpose`), from `withdrawn_at` on."""

    consent_id: uuid.UUID
    stakeholder_id: uuid.UUID
    purpose: ConsentPurpose
    withdrawn_at: dt.datetime


def machine_state(consent: ConsentRecord, now: dt.datetime) -> ConsentState:
    """Where the consent stands for its machine: a recorded withdrawal ends it, even one dated
    later than now (its published `state` is `given` until then)."""
    return ConsentState.withdrawn if consent.withdrawn_at is not None else consent.state_at(now)


def consent_read(
    consent: ConsentRecord, *, principal: Principal, now: dt.datetime | None = None
) -> ConsentRead:
    moment = now or utcnow()
    # Roles decide what the caller is offered; the team rule is asked only on the move itself,
    # so reading a consent never costs a call to the projects service.
    may_move = PROJECT_WORK.may_move(principal)
    return ConsentRead.model_validate(
        {
            **snapshot_fields(consent),
            "state": consent.state_at(moment),
            "allowed_transitions": allowed_from(CONSENT_EDGES, machine_state(consent, moment))
            if may_move
            else [],
        }
    )


async def list_consents(
    session: AsyncSession, stakeholder: Stakeholder, *, principal: Principal, pagination: Pagination
) -> Page[ConsentRead]:
    rows = await pagination.rows(
        session,
        repository.consents_statement(stakeholder.id),
        id_column=ConsentRecord.id,
        updated_column=ConsentRecord.updated_at,
    )
    now = utcnow()
    return Page[ConsentRead](
        items=[consent_read(c, principal=principal, now=now) for c in rows.items],
        next_cursor=rows.next_cursor,
    )


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
            "given_at": aware(data.given_at, now),
            "expires_at": aware(data.expires_at, now) if data.expires_at else None,
        },
    )
    session.add(consent)
    touch(stakeholder)
    await session.flush()
    return consent


async def transition_consent(
    session: AsyncSession,
    *,
    stakeholder: Stakeholder,
    consent: ConsentRecord,
    data: ConsentTransition,
    actor: Principal,
    teams: ProjectTeams,
) -> ConsentRecord:
    """Withdraw (terminal): processing that relies on the consent stops from `withdrawn_at`
    (contact details are no longer served for contact; linked equality answers leave the
    aggregates). Withdrawal does not erase: that is a separate request. Emits
    `consent.withdrawn`."""
    await require_stakeholder_write(session, principal=actor, teams=teams, stakeholder=stakeholder)
    check_transition(CONSENT_EDGES, machine_state(consent, utcnow()), data.to)
    consent.withdrawn_at = aware(data.withdrawn_at, utcnow())
    set_action(consent, "withdrawn")
    touch(stakeholder)
    await session.flush()
    await emit_event(
        session,
        ConsentWithdrawn(
            consent_id=consent.id,
            stakeholder_id=consent.stakeholder_id,
            purpose=consent.purpose,
            withdrawn_at=consent.withdrawn_at,
        ),
        entity_id=consent.id,
    )
    return consent
