"""The platform as `make run` starts it (the same `scripts.processes.Stack`), on free ports of
127.0.0.1 and throwaway databases: SQLite by default, PostgreSQL with CMDI_TEST_DATABASE=postgresql.

One stack per module (per xdist worker), stopped in teardown whatever happened; tests that break a
process restore it before they end, so tests do not depend on their order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Generator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

# `scripts` is a directory of the repository, not an installed package.
from scripts.processes import Stack, allocate_ports, port_in_use
from scripts.services import SERVICES
from shared.testing import empty_database, test_database

ROOT = Path(__file__).resolve().parents[2]

# The gateway gives up on a silent service after this many seconds (a 504); short for the tests.
GATEWAY_READ_TIMEOUT = 2.0
READY_TIMEOUT = 30.0


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


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack]:
    async with AsyncExitStack() as exit_stack:
        urls = await migrated_databases(exit_stack, "e2e")
        platform = Stack(
            ports=allocate_ports(),
            database_urls=urls,
            env={"GATEWAY_PROXY_READ_TIMEOUT": str(GATEWAY_READ_TIMEOUT)},
        )
        try:
            platform.start()
            await asyncio.to_thread(platform.wait_ready, READY_TIMEOUT)
            yield platform
        finally:
            # Before the databases are dropped (PostgreSQL refuses to drop a database in use).
            await asyncio.to_thread(platform.stop, 10.0)
        leftovers = {name: p.pid for name, p in platform.processes.items() if p.running()}
        assert not leftovers, f"processes still running after stop: {leftovers}"
        busy = [port for port in platform.ports.values() if port_in_use(port)]
        assert not busy, f"ports still bound after stop: {busy}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, attach the last lines of every process (a 500's traceback, a startup error)."""
    report = yield
    platform = getattr(item, "funcargs", {}).get("stack")
    if isinstance(platform, Stack) and report.failed:
        for name in platform.processes:
            report.sections.append((f"{name} output (last lines)", platform.output_tail(name, 60)))
    return report
