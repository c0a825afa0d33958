"""The projects suite: the service on a database migrated with the real migrations
(`shared.testing.service_fixtures`), its two upstreams played by the kit's fakes, each checked
against that service's OpenAPI snapshot after every test: `assessment` (`FakeAssessment`, the
decision feed) and `stakeholders` (`FakeStakeholders`: stakeholders by id, and their feed).

Fixtures: `app`, `client` (governance, `gov-1`), `build` (`builders.Builder`), `assessment`,
`stakeholders` and `count_sql`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager

import httpx
import pytest
from fastapi import FastAPI

from projects_service.db import Base
from projects_service.main import ALEMBIC_INI, create_app
from projects_service.settings import Settings
from services.projects.tests.builders import Builder, counting_statements
from shared.testing import FakeAssessment, FakeStakeholders, service_fixtures

ASSESSMENT = FakeAssessment()
STAKEHOLDERS = FakeStakeholders()

app, clean_database, client = service_fixtures(
    service="projects",
    alembic_ini=ALEMBIC_INI,
    metadata=Base.metadata,
    create_app=create_app,
    settings_factory=Settings,
    upstreams={"assessment": ASSESSMENT, "stakeholders": STAKEHOLDERS},
)


@pytest.fixture
def assessment() -> FakeAssessment:
    return ASSESSMENT


@pytest.fixture
def stakeholders() -> FakeStakeholders:
    return STAKEHOLDERS


@pytest.fixture
def build(client: httpx.AsyncClient) -> Builder:
    return Builder(client)


@pytest.fixture
def count_sql(app: FastAPI) -> Callable[[], AbstractContextManager[Callable[[], int]]]:
    return functools.partial(counting_statements, app)
