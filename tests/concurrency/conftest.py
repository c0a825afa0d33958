"""Concurrency tests run the real projects app in-process (its own migrated database) and race
requests with `asyncio.gather`: on PostgreSQL the transactions really interleave; on SQLite the
writers queue on the busy timeout (BEGIN IMMEDIATE)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from projects_service.db import Base
from shared.testing import reset_database


@pytest.fixture(autouse=True)
async def clean_projects(projects_app: FastAPI) -> AsyncIterator[None]:
    yield
    await reset_database(projects_app.state.database, Base.metadata)
