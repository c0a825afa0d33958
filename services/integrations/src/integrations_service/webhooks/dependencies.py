"""Webhooks: the path-parameter dependencies that load an endpoint or delivery or answer 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from integrations_service.webhooks import repository
from integrations_service.webhooks.errors import DeliveryNotFound, WebhookNotFound
from integrations_service.webhooks.models import WebhookDelivery, WebhookEndpoint
from shared.db import SessionDep


async def get_endpoint_or_404(webhook_id: uuid.UUID, session: SessionDep) -> WebhookEndpoint:
    endpoint = await repository.get_endpoint(session, webhook_id)
    if endpoint is None:
        raise WebhookNotFound(f"No webhook endpoint with id {webhook_id}.")
    return endpoint


EndpointDep = Annotated[WebhookEndpoint, Depends(get_endpoint_or_404)]


async def get_delivery_or_404(delivery_id: uuid.UUID, session: SessionDep) -> WebhookDelivery:
    delivery = await repository.get_delivery(session, delivery_id)
    if delivery is None:
        raise DeliveryNotFound(f"No webhook delivery with id {delivery_id}.")
    return delivery


DeliveryDep = Annotated[WebhookDelivery, Depends(get_delivery_or_404)]
