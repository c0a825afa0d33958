"""Webhooks: every query (endpoints, the fan-out's deliveries, the claim, attempts, health)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Select,
    Table,
    Update,
    bindparam,
    event as orm_events,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, aliased

from integrations_service.webhooks.models import (
    DeliveryStatus,
    EndpointHealth,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from shared.pagination import Pagination, Rows


async def get_endpoint(session: AsyncSession, endpoint_id: uuid.UUID) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, endpoint_id)


async def list_endpoints(session: AsyncSession, pagination: Pagination) -> Rows[WebhookEndpoint]:
    return await pagination.rows(
        session,
        select(WebhookEndpoint),
        id_column=WebhookEndpoint.id,
        updated_column=WebhookEndpoint.updated_at,
    )


async def enabled_endpoints(session: AsyncSession) -> Sequence[WebhookEndpoint]:
    result = await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled))
    return result.all()


@dataclass
class PageDeliveries:
    """A consumer transaction's fan-out: the enabled endpoints (id, registered at, event
    types), read once for the whole feed page, and the deliveries to queue."""

    endpoints: list[tuple[uuid.UUID, dt.datetime, list[str]]]
    rows: list[dict[str, object]] = field(default_factory=list)


_PAGE = "webhooks_page_deliveries"


async def page_deliveries(session: AsyncSession) -> PageDeliveries:
    """This transaction's fan-out. Its rows are inserted in one statement, in order (their
    `seq` follows it), as the transaction commits; a rollback forgets them."""
    sync = session.sync_session
    page: PageDeliveries | None = sync.info.get(_PAGE)
    if page is not None:
        return page
    endpoints = await enabled_endpoints(session)
    page = sync.info[_PAGE] = PageDeliveries(
        [(e.id, e.created_at, list(e.event_types)) for e in endpoints]
    )

    def write(_: Session) -> None:
        done: PageDeliveries | None = sync.info.pop(_PAGE, None)
        if done is not None and done.rows:
            sync.execute(insert(_DELIVERIES), done.rows)

    def forget(_: Session) -> None:
        sync.info.pop(_PAGE, None)

    orm_events.listen(sync, "before_commit", write, once=True)
    orm_events.listen(sync, "after_rollback", forget, once=True)
    return page


async def get_delivery(session: AsyncSession, delivery_id: uuid.UUID) -> WebhookDelivery | None:
    return await session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))


async def list_deliveries(
    session: AsyncSession, endpoint_id: uuid.UUID, pagination: Pagination
) -> Rows[WebhookDelivery]:
    return await pagination.rows(
        session,
        select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id),
        id_column=WebhookDelivery.seq,
        newest_first=True,
    )


async def attempts_of(
    session: AsyncSession, delivery_ids: Sequence[uuid.UUID]
) -> Sequence[WebhookAttempt]:
    if not delivery_ids:
        return []
    result = await session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.seq)
    )
    return result.all()


@dataclass(frozen=True)
class Claimed:
    """A delivery a worker holds until `leased_until`, with what it needs to send it."""

    delivery_id: uuid.UUID
    endpoint_id: uuid.UUID
    url: str
    signing_secrets: tuple[str, ...]
    payload: dict[str, object]
    attempt_count: int
    occurred_at: dt.datetime
    leased_until: dt.datetime


def _claim_statements() -> tuple[
    Select[uuid.UUID, int], Select[int, uuid.UUID], Update, Select[*tuple[Any, ...]]
]:
    """The claim's four statements, built once: building them per claim (the `exists`, the
    joins, the aliased table) was the worker's largest CPU cost after the HTTP client's."""
    delivery = WebhookDelivery
    endpoint = WebhookEndpoint
    earlier = aliased(WebhookDelivery)
    now: BindParameter[dt.datetime] = bindparam("now")
    in_flight = (
        select(delivery.endpoint_id, func.count())
        .where(delivery.status == DeliveryStatus.pending, delivery.leased_until >= now)
        .group_by(delivery.endpoint_id)
    )
    blocked = exists().where(
        earlier.endpoint_id == delivery.endpoint_id,
        earlier.entity_key == delivery.entity_key,
        earlier.status == DeliveryStatus.pending,
        earlier.seq < delivery.seq,
    )
    candidates = (
        select(delivery.seq, delivery.endpoint_id)
        .join(endpoint, endpoint.id == delivery.endpoint_id)
        .where(
            delivery.status == DeliveryStatus.pending,
            delivery.next_attempt_at <= now,
            (delivery.leased_until.is_(None)) | (delivery.leased_until < now),
            endpoint.enabled,
            ~blocked,
        )
        .order_by(delivery.seq)
        .limit(bindparam("candidates"))
        .with_for_update(of=delivery, skip_locked=True)
    )
    chosen: BindParameter[list[int]] = bindparam("chosen", expanding=True)
    lease = update(delivery).where(delivery.seq.in_(chosen)).values(leased_until=bindparam("until"))
    to_send = (
        select(
            delivery.id,
            delivery.endpoint_id,
            delivery.payload,
            delivery.attempt_count,
            delivery.occurred_at,
            endpoint.url,
            endpoint.secret,
            endpoint.previous_secret,
            endpoint.previous_secret_expires_at,
        )
        .join(endpoint, endpoint.id == delivery.endpoint_id)
        .where(delivery.seq.in_(chosen))
        .order_by(delivery.seq)
    )
    return in_flight, candidates, lease, to_send


_IN_FLIGHT, _CANDIDATES, _LEASE, _TO_SEND = _claim_statements()


async def claim_due(
    session: AsyncSession,
    *,
    now: dt.datetime,
    limit: int,
    per_endpoint: int,
    lease_until: dt.datetime,
) -> list[Claimed]:
    """Lease up to `limit` due deliveries, in feed order, at most `per_endpoint` in flight per
    endpoint, none behind an earlier pending delivery of the same entity to the same endpoint
    (per-entity order: a claimed batch never holds two deliveries of one entity for one
    endpoint, so it may be sent all at once). On PostgreSQL the candidates are locked
    `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint rows; the lease then keeps
    them out of later claims.

    Four statements whatever the batch size: the in-flight counts, the candidates (keys only:
    a backlog's payloads are not decoded to be passed over), the lease, and what to send."""
    if limit <= 0:
        return []
    in_flight: dict[uuid.UUID, int] = dict((await session.execute(_IN_FLIGHT, {"now": now})).all())
    # Room to pass over endpoints at their limit and still fill the batch.
    candidates = await session.execute(_CANDIDATES, {"now": now, "candidates": limit * 4})
    chosen: list[int] = []
    for seq, endpoint_id in candidates.all():
        held = in_flight.get(endpoint_id, 0)
        if held >= per_endpoint:
            continue
        in_flight[endpoint_id] = held + 1
        chosen.append(seq)
        if len(chosen) == limit:
            break
    if not chosen:
        return []
    await session.execute(_LEASE, {"chosen": chosen, "until": lease_until})
    rows = await session.execute(_TO_SEND, {"chosen": chosen})
    claimed = []
    for row in rows:
        signing = [row.secret]
        if (
            row.previous_secret is not None
            and row.previous_secret_expires_at is not None
            and row.previous_secret_expires_at > now
        ):
            signing.append(row.previous_secret)
        claimed.append(
            Claimed(
                delivery_id=row.id,
                endpoint_id=row.endpoint_id,
                url=row.url,
                signing_secrets=tuple(signing),
                payload=row.payload,
                attempt_count=row.attempt_count,
                occurred_at=row.occurred_at,
                leased_until=lease_until,
            )
        )
    return claimed


@dataclass(frozen=True)
class Settled:
    """One attempt's row and where it leaves its delivery."""

    attempt: dict[str, object]
    status: DeliveryStatus
    next_attempt_at: dt.datetime


_ATTEMPTS = cast(Table, WebhookAttempt.__table__)
_DELIVERIES = cast(Table, WebhookDelivery.__table__)
# Built once, as the claim's statements are.
_RECORD = insert(_ATTEMPTS)
_MOVE_ON = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        attempt_count=_DELIVERIES.c.attempt_count + 1,
        next_attempt_at=bindparam("b_next"),
        leased_until=None,
        last_attempt_at=bindparam("b_at"),
        first_attempt_at=func.coalesce(_DELIVERIES.c.first_attempt_at, bindparam("b_at")),
    )
)


async def record_attempts(session: AsyncSession, settled: Sequence[Settled]) -> None:
    """Store the attempts and move their deliveries on (leased no more): two statements for
    the whole batch, whatever its size."""
    if not settled:
        return
    await session.execute(_RECORD, [s.attempt for s in settled])
    await session.execute(
        _MOVE_ON,
        [
            {
                "b_id": s.attempt["delivery_id"],
                "b_status": s.status.value,
                "b_next": s.next_attempt_at,
                "b_at": s.attempt["attempted_at"],
            }
            for s in settled
        ],
    )


async def mark_health(
    session: AsyncSession, endpoint_id: uuid.UUID, *, ok: bool, now: dt.datetime
) -> dt.datetime | None:
    """Record a success (the endpoint is healthy again) or a failure; returns since when the
    endpoint has been failing (None: it is not). A success is one UPDATE that changes nothing
    on a healthy endpoint (the common case costs no read)."""
    if ok:
        await session.execute(
            update(EndpointHealth)
            .where(
                EndpointHealth.endpoint_id == endpoint_id, EndpointHealth.failing_since.is_not(None)
            )
            .values(failing_since=None, last_success_at=now)
        )
        return None
    health = await session.get(EndpointHealth, endpoint_id, with_for_update=True)
    if health is None:
        await session.execute(
            insert(EndpointHealth).values(
                endpoint_id=endpoint_id, failing_since=now, last_failure_at=now
            )
        )
        return now
    health.last_failure_at = now
    if health.failing_since is None:
        health.failing_since = now
    return health.failing_since


async def reset_health(session: AsyncSession, endpoint_id: uuid.UUID) -> None:
    await session.execute(
        update(EndpointHealth)
        .where(EndpointHealth.endpoint_id == endpoint_id)
        .values(failing_since=None)
    )


async def reschedule(session: AsyncSession, delivery_id: uuid.UUID, *, at: dt.datetime) -> None:
    """Make a delivery due again at `at` (a redelivery)."""
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(status=DeliveryStatus.pending, next_attempt_at=at, leased_until=None)
    )


async def pending_count(session: AsyncSession) -> int:
    value = await session.scalar(
        select(func.count()).where(WebhookDelivery.status == DeliveryStatus.pending)
    )
    return int(value or 0)


async def due_backlog(session: AsyncSession, now: dt.datetime) -> tuple[int, dt.datetime | None]:
    """How many pending deliveries are due at `now` and not leased, and the earliest due time
    among them (the due index serves it)."""
    due = (
        (WebhookDelivery.status == DeliveryStatus.pending)
        & (WebhookDelivery.next_attempt_at <= now)
        & ((WebhookDelivery.leased_until.is_(None)) | (WebhookDelivery.leased_until <= now))
    )
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(WebhookDelivery.next_attempt_at)).where(due)
        )
    ).one()
    return int(count or 0), oldest
