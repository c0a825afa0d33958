"""With two replicas of every service, change-feed consumers and periodic jobs act once per event
or tick, not once per replica (shared.coordination: a PostgreSQL advisory lock per feed page, a
claimed row per job run): a role ending orphans each relationship once, retention runs once per
interval, and a webhook endpoint receives each event once."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import psycopg
import pytest

from scripts.replicas import ReplicaStack
from services.stakeholders.tests.builders import create_stakeholder, link
from shared.testing import TokenFactory, member_body, project_body, serving
from shared.testing.webhooks import WebhookReceiver

from .conftest import RETENTION_INTERVAL_SECONDS
from .load import read_feed

pytestmark = pytest.mark.replicas

# After the last expected effect, how long to keep watching for a duplicate (several polls).
SETTLE_SECONDS = 2.0


def client(stack: ReplicaStack, tokens: TokenFactory, role: str, sub: str) -> httpx.AsyncClient:
    """A caller of the public API through nginx; paths start at `/v1/` (the builders' way)."""
    return httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api",
        headers=tokens.headers(role, sub=sub),
        timeout=httpx.Timeout(30.0, connect=2.0),
        trust_env=False,
    )


async def until(predicate: Callable[[], Any], seconds: float = 30.0) -> None:
    async with asyncio.timeout(seconds):
        while not await predicate():
            await asyncio.sleep(0.2)


async def test_a_role_ending_orphans_each_relationship_once(
    replica_stack: ReplicaStack, tokens: TokenFactory
) -> None:
    owner = f"replica-owner-{uuid.uuid4().hex[:6]}"
    async with (
        client(replica_stack, tokens, "governance", "replica-gov") as gov,
        client(replica_stack, tokens, "admin", "replica-admin") as admin,
    ):
        created = await gov.post("/v1/projects", json=project_body(title=f"Orphans {owner}"))
        assert created.status_code == 201, created.text
        project_id = created.json()["id"]
        member = await gov.post(f"/v1/projects/{project_id}/team", json=member_body(owner))
        assert member.status_code == 201, member.text
        links = []
        for _ in range(3):
            stakeholder = await create_stakeholder(admin)
            links.append(
                (await link(admin, stakeholder["id"], uuid.UUID(project_id), owner=owner))["id"]
            )
        ended = await gov.patch(
            f"/v1/projects/{project_id}/team/{member.json()['id']}",
            json={"end_date": dt.date.today().isoformat()},
        )
        assert ended.status_code == 200, ended.text

    service = tokens.headers("service", sub="replica-check")
    stakeholders = replica_stack.url("stakeholders")

    async def orphaned() -> Counter[str]:
        feed = await read_feed(stakeholders, service, ["relationship.orphaned"])
        return Counter(e["entity_id"] for e in feed if e["entity_id"] in links)

    async def all_orphaned() -> bool:
        return set(await orphaned()) == set(links)

    await until(all_orphaned)
    await asyncio.sleep(SETTLE_SECONDS)
    assert await orphaned() == dict.fromkeys(links, 1)


def runs_of(database_url: str, job: str) -> int:
    dsn = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn) as connection:
        row = connection.execute("SELECT runs FROM job_run WHERE name = %s", (job,)).fetchone()
    return int(row[0]) if row is not None else 0


async def test_retention_runs_once_per_interval_across_replicas(
    replica_stack: ReplicaStack,
) -> None:
    url = replica_stack.database_urls["stakeholders"]
    assert all(r.running() for r in replica_stack.replicas["stakeholders"])
    before, started = await asyncio.to_thread(runs_of, url, "retention"), time.monotonic()
    await asyncio.sleep(8 * RETENTION_INTERVAL_SECONDS)
    after, elapsed = await asyncio.to_thread(runs_of, url, "retention"), time.monotonic() - started
    intervals = elapsed / RETENTION_INTERVAL_SECONDS
    # One run per interval (one more at most, for the edges), where two replicas each running
    # their own schedule would make about twice as many.
    assert intervals / 2 < after - before <= intervals + 1, (before, after, elapsed)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[WebhookReceiver, str]]:
    hook = WebhookReceiver()
    async with serving(hook, lifespan="off") as url:
        yield hook, url


async def test_each_event_is_delivered_once_to_a_webhook(
    replica_stack: ReplicaStack, tokens: TokenFactory, receiver: tuple[WebhookReceiver, str]
) -> None:
    hook, url = receiver
    async with (
        client(replica_stack, tokens, "admin", "replica-hooks") as admin,
        client(replica_stack, tokens, "governance", "replica-gov") as gov,
    ):
        registered = await admin.post(
            "/v1/webhooks", json={"url": f"{url}/cmdi", "event_types": ["project.created"]}
        )
        assert registered.status_code == 201, registered.text
        endpoint = registered.json()
        try:
            ids = []
            for n in range(6):
                created = await gov.post("/v1/projects", json=project_body(title=f"Hook {n}"))
                assert created.status_code == 201, created.text
                ids.append(created.json()["id"])

            def per_project() -> Counter[str]:
                return Counter(
                    got.json()["data"]["entity_id"]
                    for got in hook.received
                    if got.json()["data"]["entity_id"] in ids
                )

            async def all_delivered() -> bool:
                return set(per_project()) == set(ids)

            await until(all_delivered)
            await asyncio.sleep(SETTLE_SECONDS)
            assert per_project() == dict.fromkeys(ids, 1)
            assert len({got.webhook_id for got in hook.received}) == len(hook.received)
        finally:
            deleted = await admin.delete(f"/v1/webhooks/{endpoint['id']}")
            assert deleted.status_code == 204, deleted.text
