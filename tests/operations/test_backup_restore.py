"""Backups: every data service's database, populated through its real API over HTTP, dumped and
restored with `scripts/backup.py` (pg_dump --format=custom, pg_restore --no-owner --role) into a
fresh database owned by another role, then served again from the restored copy: ready, with the
same rows in every table, the same API answers (lists, change feed, audit trail) and sequences
that continue where they stopped.

PostgreSQL only: `pg_dump` backs up PostgreSQL (a SQLite file is copied with `sqlite3 .backup`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from psycopg import sql
from sqlalchemy.engine import make_url

from integrations_service.settings import UPSTREAM_FEEDS
from projects_service.consumers import CONSUMERS as PROJECTS_CONSUMERS
from scripts.backup import dump, restore
from scripts.processes import Stack, allocate_ports
from scripts.services import SERVICES
from services.assessment.tests.builders import evaluation_body
from services.stakeholders.tests.builders import engagement_body, link_body, new_stakeholder
from shared.testing import (
    TokenFactory,
    backend,
    dead_url,
    empty_database,
    member_body,
    project_body,
    test_database as migrated_database,
)
from shared.testing.support import DEFAULT_PG_URL
from stakeholders_service.consumers import CONSUMERS as STAKEHOLDERS_CONSUMERS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        backend() != "postgresql",
        reason="pg_dump/pg_restore back up PostgreSQL: run with CMDI_TEST_DATABASE=postgresql",
    ),
    pytest.mark.skipif(
        shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
        reason="the PostgreSQL client tools (pg_dump, pg_restore, vacuumdb) are not on PATH",
    ),
]

# Generous: four processes start at once, on a CI machine that may be busy with other work.
READY_TIMEOUT = 60.0
SETTLE_TIMEOUT = 30.0
POLL_SECONDS = 0.2
# Who consumes whose feed: the consumers must have caught up before the dump, or the restored
# copy would apply the rest and differ from the original for a reason that is not the backup's.
CONSUMED: dict[str, tuple[str, ...]] = {
    "projects": tuple(spec.producer for spec in PROJECTS_CONSUMERS),
    "stakeholders": tuple(spec.producer for spec in STAKEHOLDERS_CONSUMERS),
    "integrations": UPSTREAM_FEEDS,
}
# Lists read through each service's API, before the dump and from the restored copy.
LISTS: dict[str, tuple[str, ...]] = {
    "projects": ("/v1/projects",),
    "assessment": ("/v1/frameworks", "/v1/evaluation/evaluations"),
    "stakeholders": ("/v1/stakeholders", "/v1/organisations", "/v1/engagements"),
    "integrations": ("/v1/webhooks", "/v1/clients"),
}
PROJECT_LISTS = ("team", "milestones", "benefits", "transitions")

Json = Any


def stack_env() -> dict[str, str]:
    """Fast consumers, and no work of their own in the background: retention and webhook
    delivery would keep writing rows (retries on a clock) and the counts would never settle."""
    env = {f"{s.env_prefix}CONSUMER_POLL_SECONDS": str(POLL_SECONDS) for s in SERVICES}
    env["STAKEHOLDERS_RETENTION_ENABLED"] = "false"
    env["INTEGRATIONS_WEBHOOK_WORKER_ENABLED"] = "false"
    return env


def admin_dsn() -> str:
    return os.environ.get("CMDI_TEST_PG_ADMIN_URL", DEFAULT_PG_URL)


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def admin(statement: sql.Composed) -> None:
    connection = await psycopg.AsyncConnection.connect(admin_dsn(), autocommit=True)
    async with connection:
        await connection.execute(statement)


@asynccontextmanager
async def throwaway_role() -> AsyncIterator[str]:
    """A login role that owns nothing yet: the restored objects become its own (`--role`)."""
    role = f"cmdi_restore_{uuid.uuid4().hex[:8]}"
    await admin(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    try:
        yield role
    finally:
        await admin(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@asynccontextmanager
async def owned_database(service: str, role: str) -> AsyncIterator[str]:
    """A fresh, empty database owned by `role` (`createdb --owner`), its URL as that role."""
    async with empty_database(f"restored_{service}", "backup") as url:
        name = make_url(url).database
        assert name is not None
        await admin(
            sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(name), sql.Identifier(role)
            )
        )
        yield make_url(url).set(username=role).render_as_string(hide_password=False)


async def table_counts(url: str) -> dict[str, int]:
    """Rows in every table of the database's public schema (alembic_version included)."""
    connection = await psycopg.AsyncConnection.connect(libpq(url))
    async with connection:
        cursor = await connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        names = [str(row[0]) for row in await cursor.fetchall()]
        counts = {}
        for name in names:
            cursor = await connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
            )
            row = await cursor.fetchone()
            assert row is not None
            counts[name] = int(row[0])
        return counts


async def scalar(url: str, query: str, *params: str) -> int:
    connection = await psycopg.AsyncConnection.connect(libpq(url))
    async with connection:
        row = await (await connection.execute(query, params)).fetchone()
        return int(row[0]) if row is not None and row[0] is not None else 0


async def lagging_consumers(urls: Mapping[str, str]) -> dict[str, tuple[int, int]]:
    """`consumer<-producer`: (the consumer's cursor, the producer's newest event), if behind."""
    behind = {}
    for consumer, producers in CONSUMED.items():
        for producer in producers:
            cursor = await scalar(
                urls[consumer],
                "SELECT position FROM consumer_cursor WHERE producer = %s",
                producer,
            )
            newest = await scalar(urls[producer], "SELECT max(seq) FROM outbox_event")
            if cursor != newest:
                behind[f"{consumer}<-{producer}"] = (cursor, newest)
    return behind


async def settled(urls: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Wait until every consumer has caught up with its producer and no row count moves."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    previous: dict[str, dict[str, int]] | None = None
    while True:
        counts = {name: await table_counts(url) for name, url in urls.items()}
        behind = await lagging_consumers(urls)
        if not behind and counts == previous:
            return counts
        assert time.monotonic() < deadline, f"not settled after {SETTLE_TIMEOUT} s: {behind}"
        previous = None if behind else counts
        await asyncio.sleep(3 * POLL_SECONDS)


@asynccontextmanager
async def running(database_urls: Mapping[str, str]) -> AsyncIterator[Stack]:
    """The four data services as `make run` starts them, on free ports; stopped on exit
    (before the databases are dropped: PostgreSQL refuses to drop a database in use)."""
    platform = Stack(
        ports=allocate_ports(SERVICES),
        database_urls=database_urls,
        services=SERVICES,
        env=stack_env(),
    )
    try:
        platform.start()
        await asyncio.to_thread(platform.wait_ready, READY_TIMEOUT)
        yield platform
    finally:
        await asyncio.to_thread(platform.stop, 10.0)


async def consumer_lags(platform: Stack) -> dict[str, float]:
    """`consumer<-producer`: the lag each consumer saw at its last poll (`/metrics`), once every
    consumer has polled at least once (the gauge exists only after a poll)."""
    deadline = time.monotonic() + READY_TIMEOUT
    wanted = {f"{c}<-{p}" for c, producers in CONSUMED.items() for p in producers}
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        while True:
            lags: dict[str, float] = {}
            for consumer in CONSUMED:
                text = (await client.get(f"{platform.url(consumer)}/metrics")).text
                for family in text_string_to_metric_families(text):
                    if family.name != "cmdi_consumer_lag_seconds":
                        continue
                    for sample in family.samples:
                        lags[f"{consumer}<-{sample.labels['producer']}"] = sample.value
            if wanted <= set(lags):
                return lags
            assert time.monotonic() < deadline, f"never polled: {wanted - set(lags)}"
            await asyncio.sleep(POLL_SECONDS)


@asynccontextmanager
async def clients(
    platform: Stack, tokens: TokenFactory
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """A client per service, as an operator holding every role the reads and writes need."""
    headers = tokens.headers("admin", "governance", "service", sub="backup-operator")
    async with AsyncExitStack() as opened:
        yield {
            s.name: await opened.enter_async_context(
                httpx.AsyncClient(
                    base_url=platform.url(s.name),
                    headers=headers,
                    timeout=httpx.Timeout(10.0, connect=2.0),
                    trust_env=False,
                )
            )
            for s in SERVICES
        }


async def created(api: httpx.AsyncClient, path: str, body: Json, status: int = 201) -> Json:
    response = await api.post(path, json=body)
    assert response.status_code == status, f"POST {path}: {response.status_code} {response.text}"
    return response.json()


async def populate(api: Mapping[str, httpx.AsyncClient]) -> None:
    """Rows in many tables of every service (and so in each outbox and audit trail)."""
    # First, so the integrations consumer fans every project event out to it as a delivery
    # (kept pending: the delivery worker is off); the URL is a dead port of 127.0.0.1.
    await created(
        api["integrations"], "/v1/webhooks", {"url": dead_url(), "event_types": ["project.*"]}
    )
    await created(api["integrations"], "/v1/clients", {"name": "nightly", "roles": ["reporter"]})
    projects = []
    for index in range(3):
        project = await created(
            api["projects"], "/v1/projects", project_body(title=f"Backed up project {index}")
        )
        base = f"/v1/projects/{project['id']}"
        await created(api["projects"], f"{base}/team", member_body(f"person-{index}"))
        await created(api["projects"], f"{base}/milestones", {"title": f"Milestone {index}"})
        await created(
            api["projects"],
            f"{base}/benefits",
            {"kind": "staff_time", "title": f"B{index}", "unit": "hours", "confidence": "low"},
        )
        projects.append(project["id"])
    await created(
        api["projects"],
        f"/v1/projects/{projects[0]}/transitions",
        {"to": "paused", "reason": "waiting for funding"},
        status=200,
    )
    await created(
        api["assessment"], "/v1/frameworks", {"name": "CMDI IIAF backup", "semver": "1.0.0"}
    )
    await created(api["assessment"], "/v1/evaluation/evaluations", evaluation_body(projects[0]))
    await created(
        api["stakeholders"],
        "/v1/organisations",
        {"name": "Healthwatch Backup", "type": "patient_or_community_group"},
    )
    person = await created(api["stakeholders"], "/v1/stakeholders", new_stakeholder())
    await created(
        api["stakeholders"], f"/v1/stakeholders/{person['id']}/links", link_body(projects[1])
    )
    await created(api["stakeholders"], "/v1/engagements", engagement_body(*projects[:2]))


async def every_item(api: httpx.AsyncClient, path: str) -> list[Json]:
    """Every item of a keyset-paginated list, page by page."""
    items: list[Json] = []
    params: dict[str, str | int] = {"limit": 200}
    while True:
        response = await api.get(path, params=params)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        page = response.json()
        items += page["items"]
        if not page["next_cursor"]:
            return items
        params = {"limit": 200, "cursor": page["next_cursor"]}


async def whole_feed(api: httpx.AsyncClient, path: str) -> tuple[list[Json], int]:
    """Every entry of a change feed or audit trail, and the position it ends at."""
    items: list[Json] = []
    after = "0"
    while True:
        response = await api.get(path, params={"after": after, "limit": 200})
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        feed = response.json()
        items += feed["items"]
        after = feed["next_cursor"]
        if not feed["has_more"]:
            return items, int(after)


async def answers(api: Mapping[str, httpx.AsyncClient]) -> dict[str, Json]:
    """What a client reads back: every list, each project's sub-lists, feed and audit trail."""
    seen: dict[str, Json] = {}
    for service, paths in LISTS.items():
        for path in paths:
            seen[f"{service} {path}"] = await every_item(api[service], path)
    for project in seen["projects /v1/projects"]:
        for sub in PROJECT_LISTS:
            path = f"/v1/projects/{project['id']}/{sub}"
            seen[f"projects {path}"] = await every_item(api["projects"], path)
    for webhook in seen["integrations /v1/webhooks"]:
        path = f"/v1/webhooks/{webhook['id']}/deliveries"
        seen[f"integrations {path}"] = await every_item(api["integrations"], path)
    for s in SERVICES:
        for feed in ("/v1/events", "/v1/audit/trail"):
            seen[f"{s.name} {feed}"] = await whole_feed(api[s.name], feed)
    return seen


async def one_more_write(api: Mapping[str, httpx.AsyncClient]) -> None:
    """A write to each restored service continues its feed and audit trail at the next number
    (the restored sequences carry on: no reused, colliding key)."""
    writes = {
        "projects": ("/v1/projects", project_body(title="After the restore")),
        "assessment": ("/v1/frameworks", {"name": "After the restore", "semver": "1.0.0"}),
        "stakeholders": ("/v1/organisations", {"name": "After", "type": "other"}),
        "integrations": ("/v1/clients", {"name": "after-restore", "roles": ["viewer"]}),
    }
    for service, (path, body) in writes.items():
        _, events_end = await whole_feed(api[service], "/v1/events")
        _, trail_end = await whole_feed(api[service], "/v1/audit/trail")
        await created(api[service], path, body)
        events, _ = await whole_feed(api[service], "/v1/events")
        trail, _ = await whole_feed(api[service], "/v1/audit/trail")
        assert int(events[-1]["position"]) == events_end + 1, service
        assert int(trail[-1]["position"]) == trail_end + 1, service


async def test_a_restored_backup_serves_the_same_data(tokens: TokenFactory) -> None:
    async with AsyncExitStack() as resources:
        originals = {
            s.name: await resources.enter_async_context(
                migrated_database(f"backup_{s.name}", s.alembic_ini)
            )
            for s in SERVICES
        }
        role = await resources.enter_async_context(throwaway_role())
        copies = {
            s.name: await resources.enter_async_context(owned_database(s.name, role))
            for s in SERVICES
        }
        directory = Path(resources.enter_context(tempfile.TemporaryDirectory(prefix="backup-")))

        async with running(originals) as platform, clients(platform, tokens) as api:
            await populate(api)
            await settled(originals)
            before = await answers(api)
        # Stopped: the dump is of a database nobody writes to, so its counts are final.
        at_dump = {name: await table_counts(url) for name, url in originals.items()}
        assert before["integrations /v1/clients"], "the populated lists are empty"
        deliveries = [v for k, v in before.items() if k.endswith("/deliveries")]
        assert deliveries and all(deliveries), "the integrations consumer fanned nothing out"
        for service, counts in at_dump.items():
            assert counts["outbox_event"] > 0 and counts["audit_entry"] > 0, service

        async def back_up_and_restore(service: str) -> None:
            path = await asyncio.to_thread(dump, originals[service], directory / f"{service}.dump")
            await asyncio.to_thread(restore, path, copies[service], role=role)

        await asyncio.gather(*(back_up_and_restore(s.name) for s in SERVICES))
        restored = {name: await table_counts(url) for name, url in copies.items()}
        assert restored == at_dump

        # The services connect as the restoring role, which owns every restored object.
        async with running(copies) as platform, clients(platform, tokens) as api:
            # Each consumer has polled its restored producer from its restored cursor and found
            # nothing to apply again (a lost cursor would replay the whole feed).
            lags = await consumer_lags(platform)
            assert all(lag == 0 for lag in lags.values()), lags
            after = await answers(api)
            assert after == before
            assert {name: await table_counts(url) for name, url in copies.items()} == at_dump
            await one_more_write(api)
