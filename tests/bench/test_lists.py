"""`bench.lists` builds and runs every scenario (each root list's sorts, searches) against the
services' migrated databases, on the current backend, so the benchmark cannot rot unseen."""

from __future__ import annotations

import contextlib

import assessment_service.main
import projects_service.main
import stakeholders_service.main
from bench.lists import measure_backend, table
from shared.testing import test_database as migrated_database

INI = {
    "projects": projects_service.main.ALEMBIC_INI,
    "assessment": assessment_service.main.ALEMBIC_INI,
    "stakeholders": stakeholders_service.main.ALEMBIC_INI,
}


async def test_every_scenario_runs() -> None:
    async with contextlib.AsyncExitStack() as stack:
        urls = {
            service: await stack.enter_async_context(migrated_database(service, ini))
            for service, ini in INI.items()
        }
        results = await measure_backend(
            urls, rounds=1, runs=1, migrate=False, only=None, say=lambda _: None
        )
    keys = {item.scenario.key for item in results}
    assert "projects:projects:default:title" in keys
    assert "projects:projects:default:-title" in keys
    assert "stakeholders:stakeholders:default:q:no hits" in keys
    assert all(len(item.times) == 1 for item in results)
    assert "| projects | projects: sort=title |" in table(results)
