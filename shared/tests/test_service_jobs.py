"""A service's periodic jobs run in the shared app lifespan and stop when the app does."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import create_engine

from shared.app import PeriodicJob, ServiceSpec, create_service_app
from shared.db import new_metadata
from shared.platform import PlatformTables
from shared.settings import ServiceSettings


def probe_app(tmp_path: Path, jobs: list[PeriodicJob]) -> FastAPI:
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    alembic_ini = tmp_path / "alembic.ini"
    alembic_ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    metadata = new_metadata()
    platform = PlatformTables.define(metadata, service="probe")
    # No migrations here: the platform tables (the jobs claim their runs in `job_run`) directly.
    engine = create_engine(f"sqlite:///{tmp_path / 'probe.db'}")
    metadata.create_all(engine)
    engine.dispose()
    return create_service_app(
        ServiceSpec(
            name="probe",
            title="Probe",
            description="A service with only a periodic job.",
            settings=ServiceSettings(
                database_url=f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}", log_level="WARNING"
            ),
            routers=[],
            platform=platform,
            alembic_ini=alembic_ini,
            jobs=jobs,
        )
    )


async def test_jobs_run_in_the_app_lifespan_and_stop_with_it(tmp_path: Path) -> None:
    runs: list[FastAPI] = []
    ran = asyncio.Event()

    async def probe(app: FastAPI) -> None:
        runs.append(app)
        ran.set()

    app = probe_app(tmp_path, [PeriodicJob("probe", 0.01, probe)])
    assert runs == []  # creating the app starts nothing
    async with app.router.lifespan_context(app):
        async with asyncio.timeout(2):
            await ran.wait()  # the first run is at startup, not after one interval
        while len(runs) < 3:  # and again every interval
            await asyncio.sleep(0.01)
        assert all(run is app for run in runs)
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == stopped_at
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "job:probe"]


async def test_a_failing_job_does_not_stop_the_app_or_its_other_jobs(tmp_path: Path) -> None:
    steady: list[int] = []

    async def broken(app: FastAPI) -> None:
        raise RuntimeError("always")

    async def counting(app: FastAPI) -> None:
        steady.append(len(steady))

    app = probe_app(
        tmp_path, [PeriodicJob("broken", 0.01, broken), PeriodicJob("steady", 0.01, counting)]
    )
    async with app.router.lifespan_context(app):
        async with asyncio.timeout(2):
            while len(steady) < 3:
                await asyncio.sleep(0.01)
