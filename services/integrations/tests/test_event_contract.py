"""The integrations service's event contract: its own writes (a webhook endpoint registered,
patched, its secret rotated, disabled; a machine client created, rotated, revoked) put events on
its feed that validate against the catalog it publishes at `GET /v1/events/schemas`, secrets only
as "[redacted]"; its source declares nothing the catalog lacks."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from integrations_service.webhooks.service import disable_endpoint
from shared.testing import TokenFactory, api_client
from shared.testing.event_schemas import catalog, feed_events, undeclared, violations


async def test_every_event_of_its_writes_matches_the_catalog(
    admin: httpx.AsyncClient, app: FastAPI, tokens: TokenFactory
) -> None:
    hook = await admin.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["project.*"]}
    )
    assert hook.status_code == 201, hook.text
    webhook = hook.json()
    patched = await admin.patch(
        f"/v1/webhooks/{webhook['id']}",
        json={"description": "Intranet"},
        headers={"If-Match": hook.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    assert (await admin.post(f"/v1/webhooks/{webhook['id']}/rotate-secret")).status_code == 200
    async with app.state.database.sessionmaker() as session:
        assert await disable_endpoint(session, uuid.UUID(webhook["id"]), reason="410 Gone")
        await session.commit()
    made = await admin.post("/v1/clients", json={"name": "nightly", "roles": ["reporter"]})
    assert made.status_code == 201, made.text
    client_id = made.json()["id"]
    assert (await admin.post(f"/v1/clients/{client_id}/rotate-secret")).status_code == 200
    assert (await admin.post(f"/v1/clients/{client_id}/revoke")).status_code == 200

    async with api_client(app, token=tokens("service")) as service:
        document = await catalog(service)
        events = await feed_events(service)
    emitted = {event["type"] for event in events}
    assert {
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.disabled",
        "oauth_client.created",
        "oauth_client.secret_rotated",
        "oauth_client.revoked",
    } <= emitted
    assert violations(document, events) == []
    assert "whsec_" not in str(events)
    assert undeclared("integrations", document) == []
