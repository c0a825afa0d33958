"""Each service's migrations: upgrade to head, downgrade to base, upgrade again, on the current
backend (SQLite by default, PostgreSQL with CMDI_TEST_DATABASE=postgresql)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

import assessment_service.main
import integrations_service.main
import projects_service.main
import stakeholders_service.main
from shared.migrations import downgrade, upgrade
from shared.testing import empty_database

SERVICES = {
    "projects": projects_service.main.ALEMBIC_INI,
    "assessment": assessment_service.main.ALEMBIC_INI,
    "stakeholders": stakeholders_service.main.ALEMBIC_INI,
    "integrations": integrations_service.main.ALEMBIC_INI,
}


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_upgrade_downgrade_upgrade(service: str) -> None:
    alembic_ini: Path = SERVICES[service]
    async with empty_database(service, "migrations") as url:
        await asyncio.to_thread(upgrade, alembic_ini, url)
        at_head = await table_names(url)
        assert {"audit_entry", "outbox_event", "idempotency_key", "consumer_cursor"} <= at_head
        await asyncio.to_thread(downgrade, alembic_ini, url)
        assert await table_names(url) <= {"alembic_version"}
        await asyncio.to_thread(upgrade, alembic_ini, url)
        assert await table_names(url) == at_head
