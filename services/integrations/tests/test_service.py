"""The service skeleton: health, readiness on a migrated database, and the shared feeds."""

from __future__ import annotations

import httpx


async def test_ready_on_a_migrated_database(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).status_code == 200


async def test_events_feed_and_audit_are_served(admin: httpx.AsyncClient) -> None:
    events = await admin.get("/v1/events")
    assert events.status_code == 200
    assert events.json()["items"] == []
    assert (await admin.get("/v1/audit")).status_code == 200


async def test_metrics_are_exposed(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics")).status_code == 200
