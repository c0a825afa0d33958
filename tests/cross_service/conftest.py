"""Services meeting in-process: the assessment and stakeholders services with their `projects`
upstream the real projects app (the root conftest's `projects_app`, behind `to_projects`, a
`SwitchableApp` that also remembers each request's `Authorization`), and the projects service's
own consumer of the assessment change feed reading the wired assessment app. Every database a
test used is emptied after it."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import assessment_service.main
import stakeholders_service.main
from assessment_service.db import Base as AssessmentBase
from assessment_service.settings import Settings as AssessmentSettings
from projects_service.consumers import CONSUMERS
from projects_service.db import Base as ProjectsBase
from shared.consumer import ChangeFeedConsumer
from shared.http import ServiceClient
from shared.testing import SwitchableApp, TokenFactory, reset_database, service_app
from stakeholders_service.db import Base as StakeholdersBase
from stakeholders_service.settings import Settings as StakeholdersSettings


class ToProjects(SwitchableApp):
    """The real projects app behind the reachable switch, remembering who each call was for."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(app)
        self.authorizations: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.authorizations.append(request.headers.get("authorization"))
        return await super().handle_async_request(request)


@pytest.fixture(scope="session")
def to_projects(projects_app: FastAPI) -> ToProjects:
    return ToProjects(projects_app)


def _on_projects(service: str, main: ModuleType, settings: Callable[..., Any]) -> Any:
    """A session fixture `<service>_on_projects`: that service, its projects upstream the real
    projects app."""

    @pytest.fixture(scope="session", name=f"{service}_on_projects")
    async def fixture(to_projects: ToProjects) -> AsyncIterator[FastAPI]:
        async with service_app(
            service=service,
            alembic_ini=main.ALEMBIC_INI,
            create_app=functools.partial(main.create_app, transports={"projects": to_projects}),
            settings_factory=settings,
        ) as application:
            yield application

    return fixture


assessment_on_projects = _on_projects("assessment", assessment_service.main, AssessmentSettings)
stakeholders_on_projects = _on_projects(
    "stakeholders",
    stakeholders_service.main,
    functools.partial(StakeholdersSettings, retention_enabled=False),
)


def feed_client(producer: str, app: FastAPI, tokens: TokenFactory) -> ServiceClient:
    """A client of `app`'s change feed as the projects service reads it (its service token)."""
    return ServiceClient(
        producer,
        f"http://{producer}",
        token_provider=lambda: tokens("service", sub="service:projects"),
        transport=httpx.ASGITransport(app=app),
    )


@pytest.fixture
async def projects_consumer(
    projects_app: FastAPI, assessment_on_projects: FastAPI, tokens: TokenFactory
) -> AsyncIterator[ChangeFeedConsumer]:
    """The projects service's consumer of the assessment feed (its own spec and database),
    reading `assessment_on_projects`: `await projects_consumer.step()` applies what is there."""
    spec = next(c for c in CONSUMERS if c.producer == "assessment")
    consumer = ChangeFeedConsumer(
        spec=spec,
        client=feed_client("assessment", assessment_on_projects, tokens),
        database=projects_app.state.database,
    )
    yield consumer
    await consumer.client.aclose()


_WIRED = {
    "assessment_on_projects": AssessmentBase.metadata,
    "stakeholders_on_projects": StakeholdersBase.metadata,
}


@pytest.fixture(autouse=True)
async def _clean_apps(
    request: pytest.FixtureRequest, projects_app: FastAPI, to_projects: ToProjects
) -> AsyncIterator[None]:
    used: list[tuple[Any, Any]] = [
        (request.getfixturevalue(name).state.database, metadata)
        for name, metadata in _WIRED.items()
        if name in request.fixturenames
    ]
    yield
    to_projects.reachable = True
    to_projects.authorizations.clear()
    await reset_database(projects_app.state.database, ProjectsBase.metadata)
    for database, metadata in used:
        await reset_database(database, metadata)
