"""Replicas dying and restarting under a steady load of reads and idempotent writes (tests/
replicas/load.py), through nginx: a replica killed with SIGKILL costs no read, and no write its
client retries; no event is lost or doubled; the killed replica, started again, gets traffic
again. A rolling restart (SIGTERM, drain, start, ready, next) of every process type costs
nothing either, and the consumers resume from their stored cursors: each event is delivered to
a webhook once."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest

from scripts.replicas import ReplicaStack
from shared.testing import TokenFactory, serving
from shared.testing.webhooks import WebhookReceiver

from .load import Load, LoadReport, read_feed

pytestmark = pytest.mark.replicas

STEADY_SECONDS = 2.0
ROLLING_ORDER = ("projects", "assessment", "stakeholders", "integrations", "reporting", "gateway")


def load(stack: ReplicaStack, tokens: TokenFactory) -> Load:
    return Load(stack.gateway_url, tokens.headers("governance", sub="replica-load"))


async def assert_every_write_is_there_once(
    stack: ReplicaStack, tokens: TokenFactory, report: LoadReport
) -> None:
    """Every project the load created reads back, carries its last summary, and has exactly one
    `project.created` in the projects feed, whose positions only increase (sequence numbers a
    rolled-back transaction used are skipped; nothing committed is missing)."""
    assert report.created, report.requests
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("governance", sub="replica-check"),
        trust_env=False,
    ) as api:
        for project_id in [*report.created.values(), *report.summaries]:
            read = await api.get(f"/projects/{project_id}")
            assert read.status_code == 200, read.text
        for project_id, summary in report.summaries.items():
            assert (await api.get(f"/projects/{project_id}")).json()["summary"] == summary
    feed = await read_feed(
        stack.url("projects"), tokens.headers("service", sub="replica-check"), ["project.created"]
    )
    positions = [int(event["position"]) for event in feed]
    assert positions == sorted(set(positions))
    created = Counter(event["entity_id"] for event in feed)
    assert {project_id: created[project_id] for project_id in report.created.values()} == (
        dict.fromkeys(report.created.values(), 1)
    )


def served_by(stack: ReplicaStack, name: str, port: int, since: str) -> int:
    """How many requests nginx's log shows `name`'s replica on `port` answering after `since`."""
    address = f"127.0.0.1:{port}"
    return sum(
        1
        for entry in stack.listener_entries(name)
        if entry["time"] >= since and entry["upstream"].split(", ")[-1] == address
    )


@pytest.mark.parametrize("name", ["projects", "gateway"])
async def test_a_replica_killed_under_load_costs_no_request_and_rejoins(
    replica_stack: ReplicaStack, tokens: TokenFactory, name: str
) -> None:
    victim = replica_stack.replica(name, 0)
    async with load(replica_stack, tokens) as running:
        await asyncio.sleep(STEADY_SECONDS)
        await asyncio.to_thread(replica_stack.kill_replica, name, 0)
        await asyncio.sleep(STEADY_SECONDS)
        assert not victim.running()
        await asyncio.to_thread(replica_stack.restart_replica, name, 0, 60.0)
        back = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime())
        await asyncio.sleep(STEADY_SECONDS)
    report = running.report
    assert report.errors == [], (report.errors, report.requests)
    assert replica_stack.exited() == {}
    await assert_every_write_is_there_once(replica_stack, tokens, report)
    # nginx sends the restarted replica its share again.
    assert served_by(replica_stack, name, victim.port, back) > 0


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[WebhookReceiver, str]]:
    hook = WebhookReceiver()
    async with serving(hook, lifespan="off") as url:
        yield hook, url


async def test_a_rolling_restart_of_every_process_costs_nothing_and_applies_events_once(
    replica_stack: ReplicaStack, tokens: TokenFactory, receiver: tuple[WebhookReceiver, str]
) -> None:
    hook, url = receiver
    async with httpx.AsyncClient(
        base_url=f"{replica_stack.gateway_url}/api/v1",
        headers=tokens.headers("admin", sub="replica-rolling-admin"),
        trust_env=False,
    ) as admin:
        registered = await admin.post(
            "/webhooks", json={"url": f"{url}/cmdi", "event_types": ["project.created"]}
        )
        assert registered.status_code == 201, registered.text
        endpoint = registered.json()
        try:
            async with load(replica_stack, tokens) as running:
                await asyncio.to_thread(replica_stack.rolling_restart, ROLLING_ORDER, 90.0)
                await asyncio.sleep(1.0)
            report = running.report
            assert report.errors == [], (report.errors, report.requests)
            assert replica_stack.exited() == {}
            await assert_every_write_is_there_once(replica_stack, tokens, report)

            # The integrations service's consumer read the projects feed across its own
            # restart and everyone else's: each project created under the load is one
            # delivery, never two (a re-applied event would be a second message id).
            created = set(report.created.values())

            def messages() -> dict[str, set[str]]:
                seen: dict[str, set[str]] = {}
                for got in hook.received:
                    project_id = got.json()["data"]["entity_id"]
                    if project_id in created:
                        seen.setdefault(project_id, set()).add(got.webhook_id)
                return seen

            async with asyncio.timeout(30):
                while set(messages()) != created:
                    await asyncio.sleep(0.2)
            await asyncio.sleep(2.0)
            assert {p: len(ids) for p, ids in messages().items()} == dict.fromkeys(created, 1)
        finally:
            deleted = await admin.delete(f"/webhooks/{endpoint['id']}")
            assert deleted.status_code == 204, deleted.text
