"""The stakeholders suite: the real app on a migrated database, with the projects service played
by the kit's `FakeProjects`, checked against the projects OpenAPI snapshot after every test:
which projects exist, and on which of their teams a subject is active
(`GET /v1/projects?id=...&team_member=`), as each test sets them up with `projects.add_project`.

Fixtures: `app`, `client` (governance, `gov-1`), `admin`, `as_role`, `projects`.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from shared.testing import FakeProjects, TokenFactory, api_client, service_fixtures
from stakeholders_service.db import Base
from stakeholders_service.main import ALEMBIC_INI, create_app
from stakeholders_service.settings import Settings

PROJECTS = FakeProjects()

app, clean_database, client = service_fixtures(
    service="stakeholders",
    alembic_ini=ALEMBIC_INI,
    metadata=Base.metadata,
    create_app=create_app,
    settings_factory=functools.partial(Settings, retention_enabled=False),
    upstreams={"projects": PROJECTS},
)


@pytest.fixture
def projects() -> FakeProjects:
    return PROJECTS


@pytest.fixture
async def admin(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens("admin", sub="ada-admin")) as api:
        yield api


@pytest.fixture
def as_role(app: FastAPI, tokens: TokenFactory) -> Callable[..., httpx.AsyncClient]:
    """`async with as_role("reporter", sub="rita") as api:` a client for any caller."""

    def make(*roles: str, sub: str = "someone") -> httpx.AsyncClient:
        return api_client(app, token=tokens(*roles, sub=sub))

    return make
