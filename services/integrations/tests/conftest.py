"""The integrations suite: the real app on a migrated database (SQLite, or PostgreSQL with
CMDI_TEST_DATABASE=postgresql). The delivery worker and feed consumers do not run on their own
here: tests drive them step by step.

Upstream feeds are the kit's fakes (`projects.publish(...)`).

Fixtures: `app`, `client` (governance, `gov-1`), `admin`, `as_role`, `projects`, `stakeholders`.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from integrations_service.db import Base
from integrations_service.main import ALEMBIC_INI, create_app
from integrations_service.settings import Settings
from shared.testing import (
    FakeAssessment,
    FakeProjects,
    FakeStakeholders,
    TokenFactory,
    api_client,
    service_fixtures,
)

PROJECTS = FakeProjects()
ASSESSMENT = FakeAssessment()
STAKEHOLDERS = FakeStakeholders()

# A compressed retry schedule: the shape of Svix's, in tenths of a second.
TEST_SCHEDULE = [0.0, 0.05, 0.1, 0.2]

app, clean_database, client = service_fixtures(
    service="integrations",
    alembic_ini=ALEMBIC_INI,
    metadata=Base.metadata,
    create_app=create_app,
    settings_factory=functools.partial(
        Settings,
        consumer_enabled=False,
        webhook_worker_enabled=False,
        webhook_retry_schedule_seconds=TEST_SCHEDULE,
        webhook_retry_jitter=0.0,
        webhook_timeout_seconds=2.0,
    ),
    upstreams={"projects": PROJECTS, "assessment": ASSESSMENT, "stakeholders": STAKEHOLDERS},
)


@pytest.fixture
def projects() -> FakeProjects:
    return PROJECTS


@pytest.fixture
def stakeholders() -> FakeStakeholders:
    return STAKEHOLDERS


@pytest.fixture
async def admin(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens("admin", sub="ada-admin")) as api:
        yield api


@pytest.fixture
def as_role(app: FastAPI, tokens: TokenFactory) -> Callable[..., httpx.AsyncClient]:
    """`async with as_role("viewer", sub="vic") as api:` a client for any caller."""

    def make(*roles: str, sub: str = "someone") -> httpx.AsyncClient:
        return api_client(app, token=tokens(*roles, sub=sub))

    return make


@pytest.fixture
def settings_with(app: FastAPI) -> Callable[..., Settings]:
    """The app's settings with some changed (for a worker of a test's own)."""

    def make(**changes: object) -> Settings:
        settings: Settings = app.state.settings
        return settings.model_copy(update=changes)

    return make
