"""The stakeholders suite: the real app on a migrated database, with the projects service
replaced by a small stub ASGI app serving the route this service asks
(`GET /v1/projects?id=...&team_member=`: which of these projects exist, and on which of their
teams a subject is active), which tests configure."""

from __future__ import annotations

import functools
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Query

from shared.testing import TokenFactory, api_client, service_fixtures
from stakeholders_service.db import Base
from stakeholders_service.main import ALEMBIC_INI, create_app
from stakeholders_service.settings import Settings

# The suite's builders (`stakeholders_factories`) import as a plain module (importlib mode does
# not put test directories on sys.path).
sys.path.insert(0, str(Path(__file__).parent))

from stakeholders_factories import STUB, ProjectsStub


def _stub_app() -> FastAPI:
    stub = FastAPI()

    @stub.get("/v1/projects")
    async def list_projects(
        ids: list[uuid.UUID] = Query(alias="id"),  # noqa: B008
        team_member: str | None = None,
        limit: int = 50,
    ) -> Any:
        asked = sorted(set(ids))
        STUB.calls.append(f"projects:{team_member or ''}:{','.join(map(str, asked))}")
        found = [p for p in asked if p in STUB.projects]
        if team_member is not None:
            found = [p for p in found if team_member in STUB.teams.get(p, set())]
        return {"items": [{"id": str(p)} for p in found[:limit]], "next_cursor": None}

    @stub.get("/v1/projects/{project_id}")
    async def get_project(project_id: uuid.UUID) -> Any:
        STUB.calls.append(f"project:{project_id}")
        if project_id not in STUB.projects:
            return _not_found()
        return {"id": str(project_id), "title": "Stub project"}

    @stub.get("/v1/projects/{project_id}/team")
    async def get_team(project_id: uuid.UUID, subject: str | None = None) -> Any:
        STUB.calls.append(f"team:{project_id}")
        if project_id not in STUB.projects:
            return _not_found()
        members = sorted(STUB.teams.get(project_id, set()))
        if subject is not None:
            members = [m for m in members if m == subject]
        return {"items": [{"subject": m, "role": "member"} for m in members], "next_cursor": None}

    return stub


def _not_found() -> Any:
    from fastapi.responses import JSONResponse

    return JSONResponse({"status": 404, "title": "Not found"}, status_code=404)


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The stub over ASGI, or a refused connection when the stub is marked unreachable."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not STUB.reachable:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


app, clean_database, client = service_fixtures(
    service="stakeholders",
    alembic_ini=ALEMBIC_INI,
    metadata=Base.metadata,
    create_app=functools.partial(
        create_app, transports={"projects": SwitchableTransport(_stub_app())}
    ),
    settings_factory=functools.partial(Settings, retention_enabled=False),
)


@pytest.fixture
def projects() -> Iterator[ProjectsStub]:
    STUB.reset()
    yield STUB
    STUB.reset()


@pytest.fixture
async def admin(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens("admin", sub="ada-admin")) as api:
        yield api


@pytest.fixture
def as_role(app: FastAPI, tokens: TokenFactory) -> Any:
    """`async with as_role("reporter", sub="rita") as api:` a client for any caller."""

    def make(*roles: str, sub: str = "someone") -> httpx.AsyncClient:
        return api_client(app, token=tokens(*roles, sub=sub))

    return make
