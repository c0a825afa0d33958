"""`bench.reports` in its tiny mode: a 30-project dataset, the real processes on it, each report
asked once, so the benchmark cannot rot unseen (SQLite, or PostgreSQL with
CMDI_TEST_DATABASE=postgresql)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from bench.dataset.generate import run
from bench.dataset.plan import Scale
from bench.reports import Dataset, bench_dataset, render, sqlite_dataset
from shared.testing import backend, empty_database

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SERVICES = ("projects", "assessment", "stakeholders")
# The reporting service's documented calls per report (its module docstrings), whatever the
# number of projects.
CALLS = {
    "portfolio": 3,
    "portfolio, directorate filter": 3,
    "evidence pack": 6,
    "board pack": 5,
    "dossier": 12,
}


async def test_every_report_is_measured(tmp_path: Path) -> None:
    async with contextlib.AsyncExitStack() as stack:
        urls: dict[str, str] = {}
        if backend() == "postgresql":  # unique, dropped afterwards (never the bench_* ones)
            for service in SERVICES:
                urls[service] = await stack.enter_async_context(
                    empty_database(service, "reportsbench")
                )
        report = await asyncio.to_thread(
            run, Scale(projects=30, seed=3), backend="sqlite", out=tmp_path, urls=urls
        )
        dataset = Dataset("postgresql", "test", report.urls) if urls else sqlite_dataset(tmp_path)
        result = await asyncio.to_thread(
            bench_dataset, dataset, iterations=1, warmup=0, budget=30.0, say=lambda _: None
        )
    assert result.facts.projects == 30
    measured = {row.scenario.title: row for row in result.rows}
    assert set(measured) == set(CALLS)
    for title, row in measured.items():
        assert len(row.times_ms) == 1
        assert row.size > 0
        assert row.upstream_calls == CALLS[title], (title, row.calls)
        assert all(ms >= 0 for ms in row.route_ms.values())
    text = render([result, result], iterations=1, warmup=0)
    assert "| sqlite | 30 | portfolio |" in text or "| postgresql | 30 | portfolio |" in text
    assert "| portfolio, directorate filter | 30 → 30 |" in text  # the growth table
