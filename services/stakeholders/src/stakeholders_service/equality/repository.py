"""Equality: the queries (the report's rows, one person's answers, retention deletes)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Select, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from stakeholders_service.engagements.repository import ids_of_project
from stakeholders_service.equality.models import EqualityResponse
from stakeholders_service.privacy.models import ConsentRecord
from stakeholders_service.privacy.repository import current_consent_clause


async def report_rows(
    session: AsyncSession,
    *,
    now: dt.datetime,
    engagement_id: uuid.UUID | None = None,
    project_id: uuid.UUID | None = None,
) -> list[EqualityResponse]:
    """The answers a report counts at `now`: anonymous ones, and linked ones whose consent is
    still current (processing that relied on a withdrawn consent stops), of one engagement, of
    one project's engagements (a subquery: no id list is bound), or of all."""
    statement = (
        select(EqualityResponse)
        .outerjoin(ConsentRecord, ConsentRecord.id == EqualityResponse.consent_id)
        .where(
            or_(
                EqualityResponse.consent_id.is_(None),
                and_(*current_consent_clause(now)),  # type: ignore[arg-type]
            )
        )
    )
    if engagement_id is not None:
        statement = statement.where(EqualityResponse.engagement_id == engagement_id)
    elif project_id is not None:
        statement = statement.where(EqualityResponse.engagement_id.in_(ids_of_project(project_id)))
    return list(await session.scalars(statement))


async def responses_of(session: AsyncSession, stakeholder_id: uuid.UUID) -> list[EqualityResponse]:
    """One person's linked answers (the access export)."""
    rows = await session.scalars(
        select(EqualityResponse)
        .where(EqualityResponse.stakeholder_id == stakeholder_id)
        .order_by(EqualityResponse.id)
    )
    return list(rows)


async def delete_responses_of(session: AsyncSession, stakeholder_id: uuid.UUID) -> int:
    """Erasure: delete one person's linked answers, row by row so each deletion is audited;
    flushed, because the consents they rest on go next."""
    responses = await responses_of(session, stakeholder_id)
    for response in responses:
        await session.delete(response)
    await session.flush()
    return len(responses)


async def delete_anonymous_before(session: AsyncSession, before: dt.datetime) -> int:
    """Retention: delete anonymous answers collected before `before`."""
    result = await session.execute(
        delete(EqualityResponse).where(
            EqualityResponse.stakeholder_id.is_(None), EqualityResponse.collected_at < before
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def delete_resting_on(session: AsyncSession, consent_ids: Select[uuid.UUID]) -> None:
    """Retention: delete the linked answers whose consent is among `consent_ids` (they go with
    the consent they rest on)."""
    await session.execute(
        delete(EqualityResponse).where(EqualityResponse.consent_id.in_(consent_ids))
    )
