"""The assessment suite: the service on a database migrated with the real migrations
(`shared.testing.service_fixtures`), the projects service played by the kit's `FakeProjects`
(checked against the projects OpenAPI snapshot after every test), which each test fills in
with `projects.add_project(*active_members)`, and the stakeholders service by `FakeStakeholders`
(the engagement evidence an assessment snapshots: `stakeholders.set_engagement(...)`).

Fixtures: `app`, `client` (governance, `gov-1`), `projects`, `stakeholders`.
"""

from __future__ import annotations

import pytest

from assessment_service.db import Base
from assessment_service.main import ALEMBIC_INI, create_app
from assessment_service.settings import Settings
from shared.testing import FakeProjects, FakeStakeholders, service_fixtures

PROJECTS = FakeProjects()
STAKEHOLDERS = FakeStakeholders()

app, clean_database, client = service_fixtures(
    service="assessment",
    alembic_ini=ALEMBIC_INI,
    metadata=Base.metadata,
    create_app=create_app,
    settings_factory=Settings,
    upstreams={"projects": PROJECTS, "stakeholders": STAKEHOLDERS},
)


@pytest.fixture
def projects() -> FakeProjects:
    return PROJECTS


@pytest.fixture
def stakeholders() -> FakeStakeholders:
    return STAKEHOLDERS
