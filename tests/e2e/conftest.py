"""The platform as `make run` starts it (the same `scripts.processes.Stack`), on free ports of
127.0.0.1 and throwaway databases: SQLite by default, PostgreSQL with CMDI_TEST_DATABASE=postgresql.

With CMDI_E2E_STACK=replicas (PostgreSQL only) the `stack` fixture is a `scripts.replicas.
ReplicaStack` instead: two replicas of every process behind a real nginx, the tests unchanged
(they use the same attributes). Modules that start and break processes their own way
(test_faults, test_make_run) are skipped in that run.

One stack per module (per xdist worker), stopped in teardown whatever happened; tests that break a
process restore it before they end, so tests do not depend on their order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Generator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

# `scripts` is a directory of the repository, not an installed package.
from scripts.processes import Stack, allocate_ports, port_in_use
from scripts.replicas import PlatformFactory, ReplicaStack
from scripts.services import SERVICES
from shared.testing import backend, empty_database, test_database

ROOT = Path(__file__).resolve().parents[2]

# The gateway gives up on a silent service after this many seconds (a 504); short for the tests.
GATEWAY_READ_TIMEOUT = 2.0
READY_TIMEOUT = 30.0
# Ten processes and nginx start at once on two cores.
REPLICAS_READY_TIMEOUT = 90.0

REPLICAS = os.environ.get("CMDI_E2E_STACK", "single") == "replicas"
# They manage processes themselves (a stack of their own, `make run`, a PostgreSQL restart),
# so nginx and the replicas would not be in their path.
NOT_IN_REPLICA_RUN = {
    "test_faults.py": "starts its own single-process stacks and PostgreSQL clusters",
    "test_make_run.py": "tests `make run` itself, which starts one process of each",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not REPLICAS:
        return
    for item in items:
        reason = NOT_IN_REPLICA_RUN.get(item.path.name)
        if reason is not None and item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.skip(reason=f"not in the replica run: it {reason}"))


async def migrated_databases(exit_stack: AsyncExitStack, label: str) -> dict[str, str]:
    """A migrated database per service, dropped when `exit_stack` closes. The names carry `label`
    so they never collide with the databases the in-process suites create for the same services
    in the same pytest process (`test_database` names them by service and worker only)."""
    urls = {}
    for service in SERVICES:
        urls[service.name] = await exit_stack.enter_async_context(
            test_database(f"{label}_{service.name}", service.alembic_ini)
        )
    return urls


@pytest.fixture
async def run_databases() -> AsyncIterator[dict[str, str]]:
    """Empty databases for one `make run` subprocess (test_make_run), which migrates them itself."""
    async with AsyncExitStack() as exit_stack:
        urls = {}
        for service in SERVICES:
            urls[service.name] = await exit_stack.enter_async_context(
                empty_database(f"e2e_run_{service.name}", "empty")
            )
        yield urls


@contextlib.asynccontextmanager
async def e2e_platform(
    urls: dict[str, str], env: dict[str, str], *, ready_timeout: float = READY_TIMEOUT
) -> AsyncIterator[Stack | ReplicaStack]:
    """The platform an e2e module runs against: one process of each, or with
    CMDI_E2E_STACK=replicas two of each behind nginx, their rate limits counted in Redis as
    replicated gateways must share them. Stopped before `urls`' databases are dropped
    (PostgreSQL refuses to drop a database in use), and nothing left running or bound."""
    platform: Stack | ReplicaStack
    if REPLICAS:
        if backend() != "postgresql":
            pytest.skip("CMDI_E2E_STACK=replicas needs CMDI_TEST_DATABASE=postgresql")
        shared_limits = {
            "GATEWAY_RATE_LIMIT_STORAGE": "redis://127.0.0.1:6379/0",
            "GATEWAY_RATE_LIMIT_KEY_PREFIX": f"e2e-{uuid.uuid4().hex}",
        }
        platform = ReplicaStack(database_urls=urls, env={**shared_limits, **env})
        ready_timeout = max(ready_timeout, REPLICAS_READY_TIMEOUT)
    else:
        platform = Stack(ports=allocate_ports(), database_urls=urls, env=env)
    try:
        platform.start()
        await asyncio.to_thread(platform.wait_ready, ready_timeout)
        yield platform
    finally:
        await asyncio.to_thread(platform.stop, 10.0)
    leftovers = {name: p.pid for name, p in platform.processes.items() if p.running()}
    assert not leftovers, f"processes still running after stop: {leftovers}"
    busy = [port for port in platform.ports.values() if port_in_use(port)]
    assert not busy, f"ports still bound after stop: {busy}"


@pytest.fixture(scope="session")
def platform_for() -> PlatformFactory:
    """`e2e_platform` for modules that start a stack of their own (their env, their databases),
    so they too run through nginx and the replicas with CMDI_E2E_STACK=replicas."""
    return e2e_platform


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack | ReplicaStack]:
    async with AsyncExitStack() as exit_stack:
        urls = await migrated_databases(exit_stack, "e2e")
        env = {"GATEWAY_PROXY_READ_TIMEOUT": str(GATEWAY_READ_TIMEOUT)}
        async with e2e_platform(urls, env) as platform:
            yield platform


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, attach the last lines of every process (a 500's traceback, a startup error)."""
    report = yield
    platform = getattr(item, "funcargs", {}).get("stack")
    if isinstance(platform, Stack | ReplicaStack) and report.failed:
        for name in platform.processes:
            report.sections.append((f"{name} output (last lines)", platform.output_tail(name, 60)))
    return report
