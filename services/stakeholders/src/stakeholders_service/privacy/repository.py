"""Privacy: the queries (current consents, consents, data subject requests, retention)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import Select, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from stakeholders_service.privacy.models import (
    ConsentPurpose,
    ConsentRecord,
    DataSubjectRequest,
    RequestStatus,
)


def current_consent_clause(now: dt.datetime) -> list[object]:
    """SQL for "given, not withdrawn, not expired" at `now`."""
    return [
        ConsentRecord.given_at <= now,
        or_(ConsentRecord.withdrawn_at.is_(None), ConsentRecord.withdrawn_at > now),
        or_(ConsentRecord.expires_at.is_(None), ConsentRecord.expires_at > now),
    ]


async def consented_ids(
    session: AsyncSession,
    stakeholder_ids: Collection[uuid.UUID],
    *,
    purpose: ConsentPurpose,
    now: dt.datetime,
) -> set[uuid.UUID]:
    """The stakeholders among `stakeholder_ids` holding a current consent for `purpose`."""
    if not stakeholder_ids:
        return set()
    rows = await session.scalars(
        select(ConsentRecord.stakeholder_id).where(
            ConsentRecord.stakeholder_id.in_(stakeholder_ids),
            ConsentRecord.purpose == purpose,
            *current_consent_clause(now),  # type: ignore[arg-type]
        )
    )
    return set(rows)


async def current_consent(
    session: AsyncSession, stakeholder_id: uuid.UUID, *, purpose: ConsentPurpose, now: dt.datetime
) -> ConsentRecord | None:
    return await session.scalar(
        select(ConsentRecord)
        .where(
            ConsentRecord.stakeholder_id == stakeholder_id,
            ConsentRecord.purpose == purpose,
            *current_consent_clause(now),  # type: ignore[arg-type]
        )
        .order_by(ConsentRecord.given_at.desc())
        .limit(1)
    )


async def get_consent(session: AsyncSession, consent_id: uuid.UUID) -> ConsentRecord | None:
    return await session.get(ConsentRecord, consent_id)


def consents_statement(stakeholder_id: uuid.UUID) -> Select[ConsentRecord]:
    return select(ConsentRecord).where(ConsentRecord.stakeholder_id == stakeholder_id)


async def consents_of(session: AsyncSession, stakeholder_id: uuid.UUID) -> list[ConsentRecord]:
    rows = await session.scalars(consents_statement(stakeholder_id).order_by(ConsentRecord.id))
    return list(rows)


async def delete_consents_of(session: AsyncSession, stakeholder_id: uuid.UUID) -> int:
    """Erasure: delete every consent record of the person, row by row (each deletion audited)."""
    consents = await consents_of(session, stakeholder_id)
    for consent in consents:
        await session.delete(consent)
    return len(consents)


def ended_consent_ids(before: dt.datetime) -> Select[uuid.UUID]:
    """The consents withdrawn or expired before `before`, as a subquery of their ids."""
    return select(ConsentRecord.id).where(
        or_(ConsentRecord.withdrawn_at < before, ConsentRecord.expires_at < before)
    )


async def delete_consents_in(session: AsyncSession, consent_ids: Select[uuid.UUID]) -> int:
    """Retention: delete the consents among `consent_ids` in one statement; how many."""
    result = await session.execute(delete(ConsentRecord).where(ConsentRecord.id.in_(consent_ids)))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def get_request(session: AsyncSession, request_id: uuid.UUID) -> DataSubjectRequest | None:
    return await session.get(DataSubjectRequest, request_id)


def requests_statement(
    *,
    stakeholder_id: uuid.UUID | None,
    status: RequestStatus | None,
    overdue_at: dt.datetime | None,
) -> Select[DataSubjectRequest]:
    statement = select(DataSubjectRequest)
    if stakeholder_id is not None:
        statement = statement.where(DataSubjectRequest.stakeholder_id == stakeholder_id)
    if status is not None:
        statement = statement.where(DataSubjectRequest.status == status)
    if overdue_at is not None:
        statement = statement.where(
            DataSubjectRequest.due_at <= overdue_at,
            DataSubjectRequest.status.not_in([RequestStatus.completed, RequestStatus.refused]),
        )
    return statement


async def requests_of(session: AsyncSession, stakeholder_id: uuid.UUID) -> list[DataSubjectRequest]:
    statement = requests_statement(stakeholder_id=stakeholder_id, status=None, overdue_at=None)
    return list(await session.scalars(statement.order_by(DataSubjectRequest.id)))


async def unflagged_overdue_requests(
    session: AsyncSession, *, now: dt.datetime
) -> list[DataSubjectRequest]:
    """Open requests past their due date whose overdue event has not been raised yet."""
    statement = requests_statement(stakeholder_id=None, status=None, overdue_at=now)
    rows = await session.scalars(statement.where(DataSubjectRequest.overdue_notified_at.is_(None)))
    return list(rows)


async def delete_closed_requests_before(session: AsyncSession, before: dt.datetime) -> int:
    """Retention: delete requests completed or refused before `before`; how many."""
    result = await session.execute(
        delete(DataSubjectRequest).where(
            DataSubjectRequest.status.in_([RequestStatus.completed, RequestStatus.refused]),
            DataSubjectRequest.closed_at < before,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
