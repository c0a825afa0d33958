"""Webhooks: request and response bodies."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from integrations_service.webhooks.models import AttemptOutcome, DeliveryStatus
from shared.types import InputModel, NotBlank, omittable

Url = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NotBlank()
]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
EventPattern = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), NotBlank()
]
EventPatterns = Annotated[
    list[EventPattern],
    Field(
        min_length=1,
        max_length=100,
        description="Event types to receive: `project.created`, `project.*` or `*`.",
    ),
]


class WebhookCreate(InputModel):
    url: Url = Field(
        description="Where deliveries are POSTed: https (http only outside production)."
    )
    description: Description = ""
    event_types: EventPatterns
    enabled: bool = True


class WebhookPatch(InputModel):
    """JSON merge patch: absent fields are unchanged."""

    url: Url = omittable()
    description: Description = omittable()
    event_types: EventPatterns = omittable()
    enabled: bool = omittable()


class WebhookRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    previous_secret_expires_at: dt.datetime | None = Field(
        description="After a rotation, the old secret also signs until then."
    )
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class WebhookCreated(WebhookRead):
    secret: str = Field(description="The signing secret (`whsec_...`): shown this once only.")


class SecretRotated(BaseModel):
    secret: str = Field(description="The new signing secret: shown this once only.")
    previous_secret_expires_at: dt.datetime | None = Field(
        description="Until then deliveries carry a signature with the old secret too."
    )


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    attempted_at: dt.datetime
    outcome: AttemptOutcome
    status_code: int | None
    latency_ms: int
    response_body: str | None = Field(description="The first 1 KB of the response.")
    error: str | None


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    webhook_id: uuid.UUID
    message_id: str = Field(description="The `webhook-id` header, the same on every attempt.")
    event_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    first_attempt_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    attempts: list[AttemptRead]
