"""Webhooks: the endpoint, delivery (one event for one endpoint) and attempt tables."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from integrations_service.db import Base
from shared.changes import Audited
from shared.db import (
    IdMixin,
    JSONDocument,
    TimestampMixin,
    UTCDateTime,
    VersionedMixin,
    enum_column,
    new_id,
    utcnow,
)
from shared.platform import SequenceType


class WebhookEndpoint(Audited, IdMixin, TimestampMixin, VersionedMixin, Base):
    """A receiver registered by an admin. Its secrets sign deliveries (HMAC, so they are kept,
    not hashed) and are redacted from the audit trail and the change feed."""

    __tablename__ = "webhook_endpoint"
    __audit_redact__: ClassVar[frozenset[str]] = frozenset({"secret", "previous_secret"})

    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    event_types: Mapped[list[str]] = mapped_column(JSONDocument)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(String(200))
    # After a rotation the previous secret also signs until this instant (overlap).
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    previous_secret_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(200))


class EndpointHealth(Base):
    """Delivery bookkeeping of an endpoint, apart from the audited row: every failure would
    otherwise write an audit entry and a feed event."""

    __tablename__ = "webhook_endpoint_health"

    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), primary_key=True
    )
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class DeliveryStatus(StrEnum):
    pending = "pending"  # due at next_attempt_at (or being attempted, while leased)
    succeeded = "succeeded"
    failed = "failed"  # the schedule ran out, or the endpoint was disabled


class WebhookDelivery(Base):
    """One event for one endpoint: the outbox of the fan-out. `id` is the `webhook-id` header,
    the same on every attempt. `seq` orders an entity's events per endpoint."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_entity", "endpoint_id", "entity_key", "seq"),
        Index("ix_webhook_delivery_endpoint_seq", "endpoint_id", "seq"),
        Index("uq_webhook_delivery_endpoint_event", "endpoint_id", "event_id", unique=True),
    )

    seq: Mapped[int] = mapped_column(SequenceType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=new_id)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    event_type: Mapped[str] = mapped_column(String(120))
    entity_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.pending
    )
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # A worker holds the delivery while attempting it; past this another may claim it.
    leased_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    first_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AttemptOutcome(StrEnum):
    succeeded = "succeeded"
    http_error = "http_error"  # a non-2xx answer (redirects included: never followed)
    timeout = "timeout"
    network_error = "network_error"
    refused = "refused"  # the SSRF guard refused the address at delivery time


class WebhookAttempt(Base):
    """One POST of a delivery: what came back, how fast."""

    __tablename__ = "webhook_attempt"

    seq: Mapped[int] = mapped_column(SequenceType, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=new_id)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_delivery.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[AttemptOutcome] = mapped_column(
        enum_column(AttemptOutcome, "webhook_attempt_outcome")
    )
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(BigInteger)
    response_body: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(500))
