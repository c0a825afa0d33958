"""Periodic jobs keep running through failures and stop with the app."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from shared.app import PeriodicJob, _run_periodically


async def test_job_runs_repeatedly_survives_failures_and_stops() -> None:
    runs: list[int] = []

    async def flaky(app: FastAPI) -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            raise RuntimeError("transient")

    stop = asyncio.Event()
    task = asyncio.create_task(
        _run_periodically(FastAPI(), PeriodicJob("probe", 0.01, flaky), stop)
    )
    async with asyncio.timeout(2):
        while len(runs) < 4:
            await asyncio.sleep(0.01)
    stop.set()
    async with asyncio.timeout(1):
        await task
    assert len(runs) >= 4
