"""The replica suite's platform: two replicas of every process behind a real nginx
(`scripts.replicas.ReplicaStack`), on a migrated PostgreSQL database per service, one stack for
the whole suite (tests that kill or restart replicas leave every replica running).

Tests marked `replicas` need PostgreSQL (replicas share their service's database; SQLite is one
process per database) and run only when asked for, with `CMDI_E2E_STACK=replicas` or `-m
replicas`, so `make test-postgres` does not start twelve processes on the way. The nginx
configuration tests (test_nginx_conf.py) are not marked and run everywhere.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Generator
from contextlib import AsyncExitStack

import pytest

from scripts.replicas import ReplicaStack
from scripts.services import SERVICES
from shared.testing import backend, test_database

READY_TIMEOUT = 120.0
# The gateway gives up on a silent service after this long (a 504); nginx waits longer for a
# gateway (NGINX_READ_TIMEOUT), so the gateway's answer is the one a client sees.
GATEWAY_READ_TIMEOUT = 3.0
NGINX_READ_TIMEOUT = 5
RETENTION_INTERVAL_SECONDS = 1.0
# Fast feeds and deliveries, so "once" is checked in seconds; not so fast that ten processes
# polling through nginx crowd two cores.
FAST = {
    "GATEWAY_PROXY_READ_TIMEOUT": str(GATEWAY_READ_TIMEOUT),
    "STAKEHOLDERS_CONSUMER_POLL_SECONDS": "0.3",
    "PROJECTS_CONSUMER_POLL_SECONDS": "0.5",
    "ASSESSMENT_CONSUMER_POLL_SECONDS": "0.5",
    "INTEGRATIONS_CONSUMER_POLL_SECONDS": "0.3",
    "INTEGRATIONS_WEBHOOK_POLL_SECONDS": "0.2",
    "INTEGRATIONS_WEBHOOK_RETRY_SCHEDULE_SECONDS": json.dumps([0, 0.5, 1] + [2] * 10),
    "INTEGRATIONS_WEBHOOK_TIMEOUT_SECONDS": "3",
    "INTEGRATIONS_WEBHOOK_LEASE_SECONDS": "4",
    "STAKEHOLDERS_RETENTION_INTERVAL_SECONDS": str(RETENTION_INTERVAL_SECONDS),
    # A key whose replica was killed mid-request is taken over after this (60 s by default):
    # the load's client retries for longer than that.
    "PROJECTS_IDEMPOTENCY_LOCK_SECONDS": "3",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "replicas: two replicas of every process behind nginx (PostgreSQL only)"
    )


def _asked_for(config: pytest.Config) -> bool:
    markexpr: str = config.getoption("markexpr", "") or ""
    return os.environ.get("CMDI_E2E_STACK") == "replicas" or "replicas" in markexpr


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if backend() != "postgresql":
        reason = "PostgreSQL only (CMDI_TEST_DATABASE=postgresql): replicas share a database"
    elif not _asked_for(config):
        reason = "the replica suite runs when asked for: CMDI_E2E_STACK=replicas or -m replicas"
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("replicas") is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
async def replica_stack() -> AsyncIterator[ReplicaStack]:
    async with AsyncExitStack() as exit_stack:
        urls = {
            service.name: await exit_stack.enter_async_context(
                test_database(f"replicas_{service.name}", service.alembic_ini)
            )
            for service in SERVICES
        }
        platform = ReplicaStack(database_urls=urls, env=FAST, nginx_read_timeout=NGINX_READ_TIMEOUT)
        try:
            platform.start()
            await asyncio.to_thread(platform.wait_ready, READY_TIMEOUT)
            yield platform
        finally:
            # Before the databases are dropped (PostgreSQL refuses to drop a database in use).
            await asyncio.to_thread(platform.stop, 10.0)
        leftovers = {name: p.pid for name, p in platform.processes.items() if p.running()}
        assert not leftovers, f"processes still running after stop: {leftovers}"


@pytest.fixture
def database_urls(replica_stack: ReplicaStack) -> dict[str, str]:
    return replica_stack.database_urls


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, attach the last lines of every replica and of nginx."""
    report = yield
    platform = getattr(item, "funcargs", {}).get("replica_stack")
    if isinstance(platform, ReplicaStack) and report.failed:
        for name in [*platform.replicas, "nginx"]:
            report.sections.append((f"{name} output (last lines)", platform.output_tail(name, 40)))
    return report
