"""Webhooks: HTTP routes (thin: parse, call the service, shape the response). Admin only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from integrations_service.settings import SettingsDep
from integrations_service.webhooks import service
from integrations_service.webhooks.dependencies import DeliveryDep, EndpointDep
from integrations_service.webhooks.errors import (
    DeliveryNotFound,
    InvalidWebhookUrl,
    UnknownEventType,
    WebhookAddressRefused,
    WebhookDisabled,
    WebhookNotFound,
)
from integrations_service.webhooks.models import WebhookDelivery
from integrations_service.webhooks.schemas import (
    DeliveryRead,
    SecretRotated,
    WebhookCreate,
    WebhookCreated,
    WebhookPatch,
    WebhookRead,
)
from shared.auth import Principal, Role, require_roles
from shared.db import SessionDep
from shared.etag import (
    PreconditionFailed,
    check_if_match,
    conditional_get,
    mark_created,
    mark_version,
)
from shared.pagination import Page, Pagination, pagination_dependency
from shared.problems import problem_responses

_admin_only = require_roles(Role.admin)
# The role is checked before any path record is loaded (router dependencies run first), so a
# non-admin learns nothing about which endpoint or delivery ids exist: 403, never 404.
router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], dependencies=[Depends(_admin_only)])

Admin = Annotated[Principal, Depends(_admin_only)]
EndpointPagination = Annotated[Pagination, Depends(pagination_dependency())]
DeliveryPagination = Annotated[Pagination, Depends(pagination_dependency(incremental=False))]
INVALID = (InvalidWebhookUrl, WebhookAddressRefused, UnknownEventType)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problem_responses(*INVALID))
async def create_webhook(
    data: WebhookCreate,
    session: SessionDep,
    actor: Admin,
    settings: SettingsDep,
    response: Response,
) -> WebhookCreated:
    """Register an endpoint. The signing secret is in this response only."""
    endpoint = await service.create_endpoint(
        session, data=data, actor=actor, policy=service.url_policy(settings)
    )
    mark_created(response, f"{router.prefix}/{endpoint.id}", endpoint.version)
    return WebhookCreated.model_validate(endpoint)


@router.get("", responses=problem_responses())
async def list_webhooks(
    session: SessionDep, _: Admin, pagination: EndpointPagination
) -> Page[WebhookRead]:
    return await service.list_endpoints(session, pagination)


# Fixed segments before `/{webhook_id}`.
@router.post(
    "/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(DeliveryNotFound),
)
async def redeliver_webhook_delivery(
    delivery: DeliveryDep, session: SessionDep, _: Admin
) -> DeliveryRead:
    """Attempt the delivery once more, now, with the same `webhook-id`."""
    redelivered = await service.redeliver(session, delivery.id)
    return await service.read_delivery(session, redelivered)


@router.get("/{webhook_id}", responses=problem_responses(WebhookNotFound))
async def get_webhook(
    endpoint: EndpointDep, _: Admin, request: Request, response: Response
) -> WebhookRead:
    conditional_get(request, response, endpoint.version)
    return WebhookRead.model_validate(endpoint)


@router.patch(
    "/{webhook_id}",
    responses=problem_responses(WebhookNotFound, PreconditionFailed, *INVALID),
)
async def update_webhook(
    endpoint: EndpointDep,
    patch: WebhookPatch,
    session: SessionDep,
    _: Admin,
    settings: SettingsDep,
    request: Request,
    response: Response,
) -> WebhookRead:
    """JSON merge patch; `If-Match` honoured."""
    check_if_match(request, endpoint.version)
    endpoint = await service.update_endpoint(
        session, endpoint, patch=patch, policy=service.url_policy(settings)
    )
    mark_version(response, endpoint.version)
    return WebhookRead.model_validate(endpoint)


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(WebhookNotFound, PreconditionFailed),
)
async def delete_webhook(
    endpoint: EndpointDep, session: SessionDep, _: Admin, request: Request
) -> None:
    """Delete the endpoint and its delivery log; `If-Match` honoured."""
    check_if_match(request, endpoint.version)
    await service.delete_endpoint(session, endpoint)


@router.post(
    "/{webhook_id}/rotate-secret",
    responses=problem_responses(WebhookNotFound, PreconditionFailed),
)
async def rotate_webhook_secret(
    endpoint: EndpointDep,
    session: SessionDep,
    _: Admin,
    settings: SettingsDep,
    request: Request,
    response: Response,
) -> SecretRotated:
    """A new secret, shown once; the old one also signs for the configured overlap."""
    check_if_match(request, endpoint.version)
    secret = await service.rotate_secret(
        session,
        endpoint,
        overlap=dt.timedelta(seconds=settings.webhook_secret_overlap_seconds),
    )
    mark_version(response, endpoint.version)
    return SecretRotated(
        secret=secret, previous_secret_expires_at=endpoint.previous_secret_expires_at
    )


@router.post(
    "/{webhook_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(WebhookNotFound, WebhookDisabled),
)
async def send_test_webhook(endpoint: EndpointDep, session: SessionDep, _: Admin) -> DeliveryRead:
    """Queue a `webhook.test` delivery to this endpoint."""
    delivery: WebhookDelivery = await service.send_test(session, endpoint)
    return await service.read_delivery(session, delivery)


@router.get("/{webhook_id}/deliveries", responses=problem_responses(WebhookNotFound))
async def list_webhook_deliveries(
    endpoint: EndpointDep, session: SessionDep, _: Admin, pagination: DeliveryPagination
) -> Page[DeliveryRead]:
    """The delivery log, newest first: each delivery with its attempts (status, latency, the
    first 1 KB of the response)."""
    return await service.list_deliveries(session, endpoint.id, pagination)
