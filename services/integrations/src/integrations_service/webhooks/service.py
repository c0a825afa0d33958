"""Webhooks: the rules of endpoints (validation, secrets, rotation, disabling), the fan-out of
feed events into deliveries, and the retry schedule."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from integrations_service.settings import Settings
from integrations_service.webhooks import repository, wakeup
from integrations_service.webhooks.catalog import TEST_EVENT, matches, unknown_patterns
from integrations_service.webhooks.errors import (
    DeliveryNotFound,
    InvalidWebhookUrl,
    UnknownEventType,
    WebhookAddressRefused,
    WebhookDisabled,
)
from integrations_service.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from integrations_service.webhooks.schemas import (
    AttemptRead,
    DeliveryRead,
    WebhookCreate,
    WebhookPatch,
    WebhookRead,
)
from integrations_service.webhooks.signing import message_id, new_secret
from integrations_service.webhooks.ssrf import (
    AddressRefused,
    UrlPolicy,
    UrlRefused,
    allowed_address,
    check_url,
)
from shared.auth import Principal
from shared.changes import set_action
from shared.db import new_id, utcnow
from shared.event_contract import row_actions
from shared.pagination import Page, Pagination
from shared.problems import FieldError
from shared.types import parse_utc_datetime


def url_policy(settings: Settings) -> UrlPolicy:
    return UrlPolicy.of(
        production=settings.environment == "production", allowed=settings.allowed_networks()
    )


async def _check_url(url: str, policy: UrlPolicy) -> None:
    """The URL's form, then where its host resolves now (again at every delivery)."""
    error = FieldError(pointer="/url", location="body", detail="")
    try:
        parts = check_url(url, policy)
    except UrlRefused as exc:
        raise InvalidWebhookUrl(
            str(exc), errors=[error.model_copy(update={"detail": str(exc)})]
        ) from None
    try:
        await allowed_address(parts, policy)
    except AddressRefused as exc:
        raise WebhookAddressRefused(
            str(exc), errors=[error.model_copy(update={"detail": str(exc)})]
        ) from None


def _check_event_types(patterns: Sequence[str]) -> None:
    unknown = set(unknown_patterns(patterns))
    if unknown:
        # The positions, not the values: nothing submitted is echoed back.
        raise UnknownEventType(
            "Use `*`, `<entity>.*` or an exact `<entity>.<action>` the platform publishes.",
            errors=[
                FieldError(
                    pointer=f"/event_types/{i}",
                    location="body",
                    detail="Matches no known event type.",
                )
                for i, p in enumerate(patterns)
                if p in unknown
            ],
        )


async def create_endpoint(
    session: AsyncSession, *, data: WebhookCreate, actor: Principal, policy: UrlPolicy
) -> WebhookEndpoint:
    _check_event_types(data.event_types)
    await _check_url(data.url, policy)
    endpoint = WebhookEndpoint(
        url=data.url,
        description=data.description,
        event_types=list(dict.fromkeys(data.event_types)),
        enabled=data.enabled,
        secret=new_secret(),
        created_by=actor.subject,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def update_endpoint(
    session: AsyncSession, endpoint: WebhookEndpoint, *, patch: WebhookPatch, policy: UrlPolicy
) -> WebhookEndpoint:
    changes = patch.model_dump(exclude_unset=True)
    if "event_types" in changes:
        _check_event_types(changes["event_types"])
        changes["event_types"] = list(dict.fromkeys(changes["event_types"]))
    if "url" in changes:
        await _check_url(changes["url"], policy)
    if changes.get("enabled") is True and not endpoint.enabled:
        # Enabled again by an admin: its failure clock starts afresh.
        endpoint.disabled_reason = None
        await repository.reset_health(session, endpoint.id)
    for name, value in changes.items():
        setattr(endpoint, name, value)
    await session.flush()
    return endpoint


async def delete_endpoint(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    await session.delete(endpoint)
    await session.flush()


row_actions(WebhookEndpoint, "secret_rotated", "disabled")


async def rotate_secret(
    session: AsyncSession, endpoint: WebhookEndpoint, *, overlap: dt.timedelta
) -> str:
    """A new secret; the old one also signs for `overlap` (0: replaced at once)."""
    secret = new_secret()
    if overlap > dt.timedelta(0):
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = utcnow() + overlap
    else:
        endpoint.previous_secret = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret = secret
    set_action(endpoint, "secret_rotated")
    await session.flush()
    return secret


async def disable_endpoint(session: AsyncSession, endpoint_id: uuid.UUID, *, reason: str) -> bool:
    """Disable an endpoint (audited; published as `webhook_endpoint.disabled`). False if it
    was already disabled or is gone."""
    endpoint = await repository.get_endpoint(session, endpoint_id)
    if endpoint is None or not endpoint.enabled:
        return False
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    set_action(endpoint, "disabled")
    await session.flush()
    return True


def _delivery(
    endpoint_id: uuid.UUID,
    *,
    event_id: uuid.UUID,
    event_type: str,
    entity_key: str,
    payload: dict[str, Any],
    occurred_at: dt.datetime,
) -> WebhookDelivery:
    now = utcnow()
    return WebhookDelivery(
        id=new_id(),
        endpoint_id=endpoint_id,
        event_id=event_id,
        event_type=event_type,
        entity_key=entity_key,
        payload=payload,
        occurred_at=occurred_at,
        created_at=now,
        status=DeliveryStatus.pending,
        attempt_count=0,
        next_attempt_at=now,
    )


async def fan_out(session: AsyncSession, *, producer: str, event: Mapping[str, Any]) -> str:
    """One delivery per enabled endpoint subscribed to the event's type and registered before
    it happened (a new endpoint gets what happens from then on, not the feeds' history), in the
    consumer's transaction (so an event is fanned out exactly once, with the feed cursor).

    A feed page is applied in one transaction: the endpoints are read once for it and its
    deliveries inserted in one statement when it commits (a read and an insert per event
    held the database's one write lock for the whole page, and the delivery worker with it)."""
    occurred_at = parse_utc_datetime(event["occurred_at"])
    batch = await repository.page_deliveries(session)
    matching = [
        endpoint_id
        for endpoint_id, created_at, types in batch.endpoints
        if created_at <= occurred_at and matches(types, event["type"])
    ]
    if not matching:
        return "0 deliveries"
    wakeup.after_commit(session)
    payload = {"type": event["type"], "timestamp": event["occurred_at"], "data": dict(event)}
    now = utcnow()
    event_id = uuid.UUID(str(event["id"]))
    entity_key = f"{producer}:{event['entity_type']}:{event['entity_id']}"
    batch.rows.extend(
        {
            "id": new_id(),
            "endpoint_id": endpoint_id,
            "event_id": event_id,
            "event_type": event["type"],
            "entity_key": entity_key,
            "payload": payload,
            "occurred_at": occurred_at,
            "created_at": now,
            "status": DeliveryStatus.pending,
            "attempt_count": 0,
            "next_attempt_at": now,
        }
        for endpoint_id in matching
    )
    return f"{len(matching)} deliveries"


async def send_test(session: AsyncSession, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `webhook.test` delivery to this endpoint alone."""
    if not endpoint.enabled:
        raise WebhookDisabled("Enable the endpoint first (PATCH enabled=true).")
    now = utcnow()
    event_id = new_id()
    timestamp = now.isoformat().replace("+00:00", "Z")
    delivery = _delivery(
        endpoint.id,
        event_id=event_id,
        event_type=TEST_EVENT,
        entity_key=f"test:{event_id}",
        payload={
            "type": TEST_EVENT,
            "timestamp": timestamp,
            "data": {"webhook_id": str(endpoint.id), "sent_at": timestamp},
        },
        occurred_at=now,
    )
    session.add(delivery)
    await session.flush()
    wakeup.after_commit(session)
    return delivery


async def redeliver(session: AsyncSession, delivery_id: uuid.UUID) -> WebhookDelivery:
    """Attempt a delivery once more now, with the same `webhook-id`."""
    delivery = await repository.get_delivery(session, delivery_id)
    if delivery is None:
        raise DeliveryNotFound(f"No webhook delivery with id {delivery_id}.")
    await repository.reschedule(session, delivery_id, at=utcnow())
    wakeup.after_commit(session)
    await session.refresh(delivery)
    return delivery


def next_delay(settings: Settings, attempts_made: int, rng: random.Random) -> float | None:
    """Seconds until the next attempt after `attempts_made` attempts, None when the schedule is
    used up. Jitter spreads a burst of retries (a receiver coming back sees no thundering herd)."""
    schedule = settings.webhook_retry_schedule_seconds
    if attempts_made >= len(schedule):
        return None
    jitter = settings.webhook_retry_jitter
    return float(schedule[attempts_made]) * (1 + rng.uniform(-jitter, jitter))


def delivery_read(delivery: WebhookDelivery, attempts: Sequence[WebhookAttempt]) -> DeliveryRead:
    return DeliveryRead(
        id=delivery.id,
        webhook_id=delivery.endpoint_id,
        message_id=message_id(delivery.id),
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status,
        attempt_count=delivery.attempt_count,
        next_attempt_at=delivery.next_attempt_at
        if delivery.status == DeliveryStatus.pending
        else None,
        created_at=delivery.created_at,
        first_attempt_at=delivery.first_attempt_at,
        last_attempt_at=delivery.last_attempt_at,
        attempts=[AttemptRead.model_validate(a) for a in attempts],
    )


async def list_endpoints(session: AsyncSession, pagination: Pagination) -> Page[WebhookRead]:
    rows = await repository.list_endpoints(session, pagination)
    return rows.as_page(WebhookRead)


async def list_deliveries(
    session: AsyncSession, endpoint_id: uuid.UUID, pagination: Pagination
) -> Page[DeliveryRead]:
    rows = await repository.list_deliveries(session, endpoint_id, pagination)
    attempts = await repository.attempts_of(session, [d.id for d in rows.items])
    by_delivery: dict[uuid.UUID, list[WebhookAttempt]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    return Page[DeliveryRead](
        items=[delivery_read(d, by_delivery.get(d.id, [])) for d in rows.items],
        next_cursor=rows.next_cursor,
    )


async def read_delivery(session: AsyncSession, delivery: WebhookDelivery) -> DeliveryRead:
    return delivery_read(delivery, await repository.attempts_of(session, [delivery.id]))
