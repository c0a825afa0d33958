"""Cross-service fixtures: each service in-process on its own freshly migrated database
(`projects_app`, `assessment_app`, `stakeholders_app`, and `all_apps` by name)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI

import assessment_service.main
import projects_service.main
import stakeholders_service.main
from assessment_service.settings import Settings as AssessmentSettings
from projects_service.settings import Settings as ProjectsSettings
from shared.testing import service_app
from stakeholders_service.settings import Settings as StakeholdersSettings


def _service_app(service: str, main: ModuleType, settings: type[Any]) -> Any:
    @pytest.fixture(scope="session", name=f"{service}_app")
    async def fixture() -> AsyncIterator[FastAPI]:
        async with service_app(
            service=service,
            alembic_ini=main.ALEMBIC_INI,
            create_app=main.create_app,
            settings_factory=settings,
        ) as app:
            yield app

    return fixture


projects_app = _service_app("projects", projects_service.main, ProjectsSettings)
assessment_app = _service_app("assessment", assessment_service.main, AssessmentSettings)
stakeholders_app = _service_app("stakeholders", stakeholders_service.main, StakeholdersSettings)


@pytest.fixture(scope="session")
def all_apps(
    projects_app: FastAPI, assessment_app: FastAPI, stakeholders_app: FastAPI
) -> dict[str, FastAPI]:
    return {
        "projects": projects_app,
        "assessment": assessment_app,
        "stakeholders": stakeholders_app,
    }
