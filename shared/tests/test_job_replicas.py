"""Periodic jobs across replicas: each interval's run is claimed once in `job_run`, whichever
replica ticks first, also when replicas tick at different moments, concurrently, or die mid-run.
On the current backend (SQLite by default, PostgreSQL with CMDI_TEST_DATABASE=postgresql)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import create_async_engine

import shared.testing
import stakeholders_service.main
from scripts.services import SERVICES, Service
from shared.app import PeriodicJob, _run_periodically
from shared.coordination import JobRuns
from shared.db import Database
from shared.logging import configure_logging
from shared.migrations import downgrade, upgrade
from shared.platform import PLATFORM_INFO_KEY
from shared.testing import ManualClock
from stakeholders_service.db import platform
from stakeholders_service.settings import Settings

INTERVAL = 60.0
T0 = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
async def database_url() -> AsyncIterator[str]:
    """A stakeholders database migrated with the real migrations (so `job_run` is theirs)."""
    # Through the module: a `test_`-named function imported here would be collected as a test.
    async with shared.testing.test_database(
        "stakeholders", stakeholders_service.main.ALEMBIC_INI
    ) as url:
        yield url


@asynccontextmanager
async def replicas(url: str, count: int) -> AsyncIterator[list[JobRuns]]:
    """`count` processes' worth of job runners: each its own Database (engine and pool)."""
    async with AsyncExitStack() as stack:
        runners = []
        for _ in range(count):
            database = Database.connect(url, info={PLATFORM_INFO_KEY: platform}, pool_size=2)
            stack.push_async_callback(database.dispose)
            runners.append(JobRuns(database, platform.job_run))
        yield runners


@pytest.fixture(autouse=True)
async def _empty_job_runs(database_url: str) -> AsyncIterator[None]:
    yield
    async with replicas(database_url, 1) as (runner,), runner.database.engine.begin() as c:
        await c.execute(platform.job_run.delete())


async def job_row(runner: JobRuns, job: str) -> dict[str, Any]:
    async with runner.database.sessionmaker() as session:
        row = (
            await session.execute(select(platform.job_run).where(platform.job_run.c.name == job))
        ).one()
        return dict(row._mapping)


def runs_counted(service: str, job: str, outcome: str) -> float:
    labels = {"service": service, "job": job, "outcome": outcome}
    return REGISTRY.get_sample_value("cmdi_job_runs_total", labels) or 0.0


async def test_replicas_ticking_at_different_moments_run_the_job_once_per_interval(
    database_url: str, clock: ManualClock
) -> None:
    async with replicas(database_url, 2) as (early, late):
        claimed = []
        for tick in range(6):
            # Each replica ticks once an interval, half an interval apart.
            for runner, offset in ((early, 0.0), (late, INTERVAL / 2)):
                clock.freeze(T0 + dt.timedelta(seconds=tick * INTERVAL + offset))
                claim = await runner.claim("probe", INTERVAL)
                if claim.claimed:
                    claimed.append((tick, runner.holder))
                    await runner.finish(claim, outcome="ok")
                else:  # told when the job is due again: the next interval of the winner's run
                    assert claim.due_at == T0 + dt.timedelta(seconds=(tick + 1) * INTERVAL)
        row = await job_row(early, "probe")
    assert claimed == [(tick, early.holder) for tick in range(6)]  # 6 runs, not 12
    assert row["runs"] == 6
    assert row["holder"] == early.holder
    assert row["last_started_at"] == T0 + dt.timedelta(seconds=5 * INTERVAL)
    assert row["last_outcome"] == "ok"
    assert row["last_finished_at"] == T0 + dt.timedelta(seconds=5 * INTERVAL)


async def test_concurrent_claims_of_one_tick_have_exactly_one_winner(
    database_url: str, clock: ManualClock
) -> None:
    async with replicas(database_url, 4) as runners:
        winners = []
        for tick in range(5):
            clock.freeze(T0 + dt.timedelta(seconds=tick * INTERVAL))
            # The first tick also races the insert of the job's row.
            claims = await asyncio.gather(*(r.claim("probe", INTERVAL) for r in runners))
            winners.append(sum(claim.claimed for claim in claims))
        row = await job_row(runners[0], "probe")
    assert winners == [1] * 5
    assert row["runs"] == 5


async def test_a_replica_that_dies_mid_run_holds_the_job_for_one_interval_at_most(
    database_url: str, clock: ManualClock
) -> None:
    async with replicas(database_url, 2) as (dying, survivor):
        clock.freeze(T0)
        dead_claim = await dying.claim("probe", INTERVAL)
        assert dead_claim.claimed
        await dying.database.dispose()  # the process is gone mid-run: no finish is recorded
        clock.freeze(T0 + dt.timedelta(seconds=INTERVAL / 2))
        waiting = await survivor.claim("probe", INTERVAL)
        assert not waiting.claimed
        assert waiting.due_at == T0 + dt.timedelta(seconds=INTERVAL)
        assert (await job_row(survivor, "probe"))["last_outcome"] == "running"
        clock.freeze(waiting.due_at)
        taken = await survivor.claim("probe", INTERVAL)
        assert taken.claimed
        # The dead run's late report (a run that outlived its interval) changes nothing.
        await JobRuns(survivor.database, platform.job_run, holder=dying.holder).finish(
            dead_claim, outcome="ok"
        )
        row = await job_row(survivor, "probe")
    assert row["holder"] == survivor.holder
    assert row["last_outcome"] == "running"
    assert row["runs"] == 2


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """pytest's log capture, with the platform's logging set up first, as an app does (its
    set-up replaces the root handlers; pytest attaches its own again when the test starts)."""
    configure_logging(service="test", level="WARNING", json=False)
    return caplog


async def test_a_failed_run_is_logged_recorded_and_retried_at_the_next_interval(
    database_url: str, logs: pytest.LogCaptureFixture
) -> None:
    attempts: list[int] = []

    async def flaky(app: FastAPI) -> None:
        attempts.append(len(attempts))
        if len(attempts) == 1:
            raise RuntimeError("transient")

    app = FastAPI()
    app.state.service_name = "probe-service"
    failed_before = runs_counted("probe-service", "flaky", "failed")
    ok_before = runs_counted("probe-service", "flaky", "ok")
    stop = asyncio.Event()
    async with replicas(database_url, 1) as (runner,):
        task = asyncio.create_task(
            _run_periodically(app, PeriodicJob("flaky", 0.05, flaky), stop, runner)
        )
        async with asyncio.timeout(5):
            while len(attempts) < 3:
                await asyncio.sleep(0.01)
        stop.set()
        async with asyncio.timeout(2):
            await task
        row = await job_row(runner, "flaky")
    assert row["runs"] == len(attempts)
    assert row["last_outcome"] == "ok"
    failures = [r.msg for r in logs.records if r.levelno >= logging.WARNING]
    assert len(failures) == 1
    assert "periodic_job_failed" in str(failures[0])
    assert runs_counted("probe-service", "flaky", "failed") == failed_before + 1
    assert runs_counted("probe-service", "flaky", "ok") == ok_before + len(attempts) - 1


async def test_a_claim_that_fails_is_logged_runs_nothing_and_is_tried_again(
    tmp_path: Path, logs: pytest.LogCaptureFixture
) -> None:
    attempts: list[int] = []

    async def probe(app: FastAPI) -> None:
        attempts.append(1)

    # A database the migrations never reached: every claim fails (no job_run table).
    database = Database.connect(
        f"sqlite+aiosqlite:///{tmp_path / 'bare.db'}", info={PLATFORM_INFO_KEY: platform}
    )
    stop = asyncio.Event()
    try:
        runner = JobRuns(database, platform.job_run)
        task = asyncio.create_task(
            _run_periodically(FastAPI(), PeriodicJob("probe", 0.02, probe), stop, runner)
        )
        async with asyncio.timeout(5):
            while len([r for r in logs.records if r.levelno >= logging.WARNING]) < 2:
                await asyncio.sleep(0.01)
        stop.set()
        async with asyncio.timeout(2):
            await task
    finally:
        await database.dispose()
    assert attempts == []  # never run unclaimed: another replica may be running it
    messages = {str(r.msg) for r in logs.records if r.levelno >= logging.WARNING}
    assert all("periodic_job_claim_failed" in message for message in messages)


async def retention_runs(database: Database) -> list[dt.datetime]:
    """When each retention run applied (the job audits every run)."""
    async with database.sessionmaker() as session:
        audit = platform.audit
        rows = await session.scalars(
            select(audit.c.occurred_at)
            .where(audit.c.entity_type == "retention_run")
            .order_by(audit.c.seq)
        )
        return list(rows)


async def test_two_stakeholders_replicas_run_retention_once_per_interval(
    database_url: str,
) -> None:
    # Long beside a run (a few SQLite transactions that may queue for the write lock), so an
    # uncoordinated pair would clearly claim twice as often.
    interval = 1.0
    settings = Settings(
        database_url=database_url,
        log_json=False,
        log_level="WARNING",
        retention_interval_seconds=interval,
        consumer_enabled=False,
        service_urls={"projects": "http://127.0.0.1:9"},  # never called: consumers are off
    )
    apps = [stakeholders_service.main.create_app(settings) for _ in range(2)]
    async with replicas(database_url, 1) as (reader,):

        async def claimed() -> int:
            async with reader.database.read_sessionmaker() as session:
                table = platform.job_run
                runs = await session.scalar(select(table.c.runs).where(table.c.name == "retention"))
                return int(runs or 0)

        async with AsyncExitStack() as stack:
            for app in apps:  # two processes' worth: each app its own Database
                await stack.enter_async_context(app.router.lifespan_context(app))
            # Watch from the first claim (a busy machine may take a while to start both), for
            # at least three more.
            async with asyncio.timeout(30):
                while (first := await claimed()) == 0:
                    await asyncio.sleep(0.01)
                watched_from = time.monotonic()
                while (last := await claimed()) < first + 3:
                    await asyncio.sleep(0.01)
                watched = time.monotonic() - watched_from
        ran = await retention_runs(reader.database)
        async with reader.database.engine.begin() as connection:
            await connection.execute(
                platform.audit.delete().where(platform.audit.c.entity_type == "retention_run")
            )
        total = await claimed()
    # Claims are at least an interval apart, so while watched the two replicas claimed it at
    # most once per interval (uncoordinated, about twice: three runs in under two intervals).
    assert last - first <= watched // interval + 1, (last - first, watched)
    # Each claim is counted in job_run; every one applied but one the shutdown may have
    # cancelled after its claim. (The runs' audit times are not an interval apart: a run may
    # wait for the database's write lock after its claim.)
    assert total - 1 <= len(ran) <= total


# The revision that added `job_run`, per service (integrations' migrations are not in
# tests/test_migrations.py's round trip, so this covers all four).
JOB_RUN_REVISIONS = {
    "projects": "1356c3b4b566",
    "assessment": "b4188b095423",
    "stakeholders": "31eea94a66cc",
    "integrations": "213de7111150",
}


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
async def test_the_job_run_revision_downgrades_and_upgrades_again(service: Service) -> None:
    revision = JOB_RUN_REVISIONS[service.name]
    async with shared.testing.empty_database(service.name, "job_run") as url:
        await asyncio.to_thread(upgrade, service.alembic_ini, url)
        at_head = await table_names(url)
        assert "job_run" in at_head
        await asyncio.to_thread(downgrade, service.alembic_ini, url, f"{revision}-1")
        assert await table_names(url) == at_head - {"job_run"}
        await asyncio.to_thread(upgrade, service.alembic_ini, url)
        assert await table_names(url) == at_head
