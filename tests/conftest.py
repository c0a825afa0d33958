"""Cross-service fixtures: each service in-process on its own freshly migrated database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

import assessment_service.main
import projects_service.main
import stakeholders_service.main
from assessment_service.settings import Settings as AssessmentSettings
from projects_service.settings import Settings as ProjectsSettings
from shared.testing import service_app
from stakeholders_service.settings import Settings as StakeholdersSettings


@pytest.fixture(scope="session")
async def projects_app() -> AsyncIterator[FastAPI]:
    async with service_app(
        service="projects",
        alembic_ini=projects_service.main.ALEMBIC_INI,
        create_app=projects_service.main.create_app,
        settings_factory=ProjectsSettings,
    ) as app:
        yield app


@pytest.fixture(scope="session")
async def assessment_app() -> AsyncIterator[FastAPI]:
    async with service_app(
        service="assessment",
        alembic_ini=assessment_service.main.ALEMBIC_INI,
        create_app=assessment_service.main.create_app,
        settings_factory=AssessmentSettings,
    ) as app:
        yield app


@pytest.fixture(scope="session")
async def stakeholders_app() -> AsyncIterator[FastAPI]:
    async with service_app(
        service="stakeholders",
        alembic_ini=stakeholders_service.main.ALEMBIC_INI,
        create_app=stakeholders_service.main.create_app,
        settings_factory=StakeholdersSettings,
    ) as app:
        yield app


@pytest.fixture(scope="session")
def all_apps(
    projects_app: FastAPI, assessment_app: FastAPI, stakeholders_app: FastAPI
) -> dict[str, FastAPI]:
    return {
        "projects": projects_app,
        "assessment": assessment_app,
        "stakeholders": stakeholders_app,
    }
