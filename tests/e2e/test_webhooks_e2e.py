"""End to end (#13): webhooks with the platform as `make run` starts it (SQLite, or PostgreSQL
with CMDI_TEST_DATABASE=postgresql), a real receiver on 127.0.0.1 in the test's loop. An admin
registers an endpoint through the gateway; a project created through the gateway reaches the
receiver signed (verified with `standardwebhooks`), read from the projects feed by the
integrations service; the integrations service killed (SIGKILL) mid-delivery and started again
loses nothing, and a redelivery carries the same `webhook-id`."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from scripts.processes import Stack
from scripts.replicas import PlatformFactory, ReplicaStack
from scripts.services import SERVICES
from shared.testing import (
    TokenFactory,
    project_body,
    serving,
    test_database as migrated_database,  # (not collected as a test)
)
from shared.testing.webhooks import WebhookReceiver

pytestmark = pytest.mark.e2e

FAST = {
    "INTEGRATIONS_CONSUMER_POLL_SECONDS": "0.1",
    "INTEGRATIONS_WEBHOOK_POLL_SECONDS": "0.05",
    "INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE_SECONDS": json.dumps([0, 0.2, 0.5] + [1] * 20),
    "INTEGRATIONS_WEBHOOK_TIMEOUT_SECONDS": "3",
    # A lease shorter than the default minute, so a killed worker's deliveries come back soon.
    "INTEGRATIONS_WEBHOOK_LEASE_SECONDS": "4",
}


@pytest.fixture(scope="module")
async def stack(platform_for: PlatformFactory) -> AsyncIterator[Stack | ReplicaStack]:
    async with AsyncExitStack() as exit_stack:
        urls = {
            service.name: await exit_stack.enter_async_context(
                migrated_database(f"e2e_webhooks_{service.name}", service.alembic_ini)
            )
            for service in SERVICES
        }
        async with platform_for(
            urls, {"GATEWAY_PROXY_READ_TIMEOUT": "5", **FAST}, ready_timeout=60.0
        ) as platform:
            yield platform


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[WebhookReceiver, str]]:
    hook = WebhookReceiver()
    async with serving(hook, lifespan="off") as url:
        yield hook, url


def gateway(stack: Stack, headers: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=headers,
        timeout=httpx.Timeout(30.0, connect=2.0),
        trust_env=False,
    )


async def register(admin: httpx.AsyncClient, url: str) -> dict[str, Any]:
    response = await admin.post("/webhooks", json={"url": url, "event_types": ["project.created"]})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_projects(editor: httpx.AsyncClient, count: int) -> list[str]:
    ids = []
    for n in range(count):
        response = await editor.post("/projects", json=project_body(title=f"Webhook e2e {n}"))
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def delivered(hook: WebhookReceiver, secret: str) -> dict[str, set[str]]:
    """Project id → the `webhook-id`s it arrived with (each signature verified)."""
    seen: dict[str, set[str]] = {}
    for got in hook.received:
        payload = Webhook(secret).verify(got.body, got.headers)
        project_id = payload["data"]["entity_id"]
        seen.setdefault(project_id, set()).add(got.webhook_id)
    return seen


async def until(predicate: Any, seconds: float = 30.0) -> None:
    async with asyncio.timeout(seconds):
        while not predicate():
            await asyncio.sleep(0.05)


async def test_a_project_created_through_the_gateway_reaches_the_receiver(
    stack: Stack, tokens: TokenFactory, receiver: tuple[WebhookReceiver, str]
) -> None:
    hook, url = receiver
    async with (
        gateway(stack, tokens.headers("admin", sub="e2e-webhooks-admin")) as admin,
        gateway(stack, tokens.headers("governance", sub="e2e-webhooks-gov")) as editor,
    ):
        endpoint = await register(admin, f"{url}/cmdi")
        [project_id] = await create_projects(editor, 1)
        await until(lambda: len(hook.received) >= 1)
        got = hook.received[0]
        payload = Webhook(endpoint["secret"]).verify(got.body, got.headers)
        assert payload["type"] == "project.created"
        assert payload["data"]["entity_id"] == project_id
        assert payload["data"]["source"] == "projects"
        async with asyncio.timeout(10):  # the worker records the answer just after it
            while True:
                log = await admin.get(f"/webhooks/{endpoint['id']}/deliveries")
                assert log.status_code == 200, log.text
                [entry] = log.json()["items"]
                if entry["status"] != "pending":
                    break
                await asyncio.sleep(0.05)
        assert entry["message_id"] == got.webhook_id
        assert entry["status"] == "succeeded"
        assert (await admin.delete(f"/webhooks/{endpoint['id']}")).status_code == 204


async def test_killed_mid_delivery_and_restarted_loses_nothing(
    stack: Stack, tokens: TokenFactory, receiver: tuple[WebhookReceiver, str]
) -> None:
    hook, url = receiver
    hook.delay = 2.0  # every delivery is in flight for a while: the kill lands mid-delivery
    async with (
        gateway(stack, tokens.headers("admin", sub="e2e-webhooks-admin")) as admin,
        gateway(stack, tokens.headers("governance", sub="e2e-webhooks-gov")) as editor,
    ):
        endpoint = await register(admin, url)
        project_ids = await create_projects(editor, 6)
        await until(lambda: len(hook.received) >= 1)
        stack.processes["integrations"].signal(signal.SIGKILL)
        await asyncio.to_thread(stack.restart, "integrations")
        hook.delay = 0.0
        await until(lambda: set(project_ids) <= set(delivered(hook, endpoint["secret"])), 60)
        seen = delivered(hook, endpoint["secret"])
        # Each project arrived, some twice (the one cut off mid-delivery), never with a new id.
        assert all(len(ids) == 1 for ids in seen.values()), seen
        assert len(hook.received) >= len(project_ids)
        assert (await admin.delete(f"/webhooks/{endpoint['id']}")).status_code == 204
