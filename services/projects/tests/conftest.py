"""The projects service on a migrated database, with its two upstreams (assessment and
stakeholders) replaced by small in-process stubs: a change feed each, and the stakeholders'
`GET /v1/stakeholders/{id}`. `Builder` creates realistic records through the API."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Query
from sqlalchemy import event
from starlette.types import Receive, Scope, Send

from projects_service.db import Base
from projects_service.main import ALEMBIC_INI, create_app
from projects_service.settings import Settings
from shared.testing import TokenFactory, api_client, reset_database, service_app


class StubProducer:
    """Another service as far as this one can tell: a change feed in the shape of
    `shared.feeds.EventFeed`, optional extra routes, and a switch that makes it unreachable."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.events: list[dict[str, Any]] = []
        self.stakeholders: dict[str, dict[str, Any]] = {}
        self.down = False
        self.status_override: int | None = None
        self.fastapi = FastAPI()

        @self.fastapi.get("/v1/events")
        async def events(
            after: str = "0",
            limit: int = 50,
            type: list[str] | None = Query(None),  # noqa: B008
        ) -> dict[str, Any]:
            wanted = [e for e in self.events if int(e["position"]) > int(after or 0)]
            if type:
                wanted = [e for e in wanted if e["type"] in type]
            page = wanted[:limit]
            last = int(page[-1]["position"]) if page else max([int(after or 0), len(self.events)])
            return {"items": page, "next_cursor": str(last), "has_more": len(wanted) > limit}

        @self.fastapi.get("/v1/stakeholders/{stakeholder_id}")
        async def stakeholder(stakeholder_id: str) -> Any:
            from fastapi.responses import JSONResponse

            if self.status_override is not None:
                return JSONResponse(
                    {"status": self.status_override}, status_code=self.status_override
                )
            if stakeholder_id not in self.stakeholders:
                return JSONResponse({"type": "not-found"}, status_code=404)
            return self.stakeholders[stakeholder_id]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.down and scope["type"] == "http":
            raise httpx.ConnectError(f"{self.name} is down")
        await self.fastapi(scope, receive, send)

    def publish(
        self,
        type_: str,
        data: dict[str, Any],
        *,
        entity_type: str = "x",
        event_id: str | None = None,
    ) -> str:
        event_id = event_id or str(uuid.uuid4())
        self.events.append(
            {
                "id": event_id,
                "position": str(len(self.events) + 1),
                "source": self.name,
                "type": type_,
                "entity_type": entity_type,
                "entity_id": str(data.get(f"{entity_type}_id", uuid.uuid4())),
                "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
                "actor": "gov-1",
                "request_id": None,
                "data": data,
            }
        )
        return event_id

    def add_stakeholder(self, **fields: Any) -> str:
        stakeholder_id = str(uuid.uuid4())
        self.stakeholders[stakeholder_id] = {
            "id": stakeholder_id,
            "status": "active",
            "kind": "group",
            **fields,
        }
        return stakeholder_id

    def reset(self) -> None:
        self.events.clear()
        self.stakeholders.clear()
        self.down = False
        self.status_override = None


ASSESSMENT = StubProducer("assessment")
STAKEHOLDERS = StubProducer("stakeholders")


@pytest.fixture(scope="session")
async def app() -> AsyncIterator[FastAPI]:
    factory = functools.partial(
        create_app,
        transports={
            "assessment": httpx.ASGITransport(app=ASSESSMENT),
            "stakeholders": httpx.ASGITransport(app=STAKEHOLDERS),
        },
    )
    async with service_app(
        service="projects", alembic_ini=ALEMBIC_INI, create_app=factory, settings_factory=Settings
    ) as application:
        yield application


@pytest.fixture(autouse=True)
async def clean_database(app: FastAPI) -> AsyncIterator[None]:
    yield
    ASSESSMENT.reset()
    STAKEHOLDERS.reset()
    await _empty_tables(app)


async def _empty_tables(app: FastAPI) -> None:
    """Like `shared.testing.reset_database`, but with DELETE on PostgreSQL: TRUNCATE of two dozen
    tables costs ~0.5 s a test there, DELETE of a few rows ~10 ms. Reference data stays."""
    database = app.state.database
    if database.is_sqlite:
        await reset_database(database, Base.metadata)
        return
    names = [
        t.name for t in reversed(Base.metadata.sorted_tables) if not t.info.get("reference_data")
    ]
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql("; ".join(f'DELETE FROM "{name}"' for name in names))


@pytest.fixture
async def client(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens("governance", sub="gov-1")) as api:
        yield api


@pytest.fixture
def assessment() -> StubProducer:
    return ASSESSMENT


@pytest.fixture
def stakeholders() -> StubProducer:
    return STAKEHOLDERS


PROBLEMS = "https://cmdi.example/problems/"


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """Assert a problem+json response of this status and type; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEMS + slug, body
    return body


class Builder:
    """Creates records through the API with sensible NHS-flavoured defaults."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def ok(
        self, method: str, url: str, json: Any = None, status: int | None = None
    ) -> dict[str, Any]:
        response = await self.client.request(method, url, json=json)
        assert response.status_code == (status or (201 if method == "POST" else 200)), response.text
        return response.json()  # type: ignore[no-any-return]

    async def project(self, **overrides: Any) -> dict[str, Any]:
        body = {
            "title": "Virtual ward for frailty",
            "summary": "Hospital-at-home for frail older people after ED attendance.",
            "problem_statement": "Frail older people wait in ED and stay too long.",
            "pillar": "project_innovation",
            "innovation_type": "service_or_pathway_redesign",
            "lead_partner": "joint",
            "directorate": "medicine",
            "site_code": "RQ601",
            **overrides,
        }
        return await self.ok("POST", "/v1/projects", body)

    async def member(
        self, project_id: str, subject: str, role: str = "member", **overrides: Any
    ) -> dict[str, Any]:
        body = {
            "subject": subject,
            "display_name": subject.title(),
            "affiliation": "trust",
            "role": role,
            **overrides,
        }
        return await self.ok("POST", f"/v1/projects/{project_id}/team", body)

    async def draft_map(
        self, project_id: str, partners: int = 1, markers: tuple[str, ...] = ("expect_to_see",)
    ) -> dict[str, Any]:
        """A complete draft: vision, mission, partners each with a challenge and markers."""
        outcome_map = await self.ok(
            "POST",
            f"/v1/projects/{project_id}/outcome-maps",
            {
                "vision": "Frail older people recover at home.",
                "mission": "Co-design a virtual ward with ED.",
            },
        )
        base = f"/v1/projects/{project_id}/outcome-maps/{outcome_map['id']}"
        for index in range(partners):
            partner = await self.ok(
                "POST",
                f"{base}/partners",
                {
                    "name": f"ED nursing team {index}",
                    "outcome_challenge": "Refers frail patients on day one.",
                },
            )
            for level in markers:
                await self.ok(
                    "POST",
                    f"{base}/partners/{partner['id']}/markers",
                    {"level": level, "text": f"{level} marker"},
                )
        return await self.ok("GET", base)

    async def agreed_map(self, project_id: str, **kwargs: Any) -> dict[str, Any]:
        draft = await self.draft_map(project_id, **kwargs)
        return await self.ok(
            "POST",
            f"/v1/projects/{project_id}/outcome-maps/{draft['id']}/agree",
            {"agreed_in": "Workshop 3 March"},
            200,
        )

    async def journal(
        self,
        project_id: str,
        partner: dict[str, Any],
        start: str,
        end: str,
        ratings: dict[str, str],
        submit: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "boundary_partner_id": partner["id"],
            "period_start": start,
            "period_end": end,
            "marker_ratings": [{"progress_marker_id": m, "rating": r} for m, r in ratings.items()],
            "description_of_change": "Nurses began referring on day one.",
            **extra,
        }
        entry = await self.ok("POST", f"/v1/projects/{project_id}/outcome-journal", body)
        if submit:
            entry = await self.ok(
                "POST", f"/v1/projects/{project_id}/outcome-journal/{entry['id']}/submit", None, 200
            )
        return entry

    async def agreed_map_with_strategies(
        self, project_id: str, cells: tuple[tuple[str, str], ...] = (("individual", "causal"),)
    ) -> dict[str, Any]:
        """An agreed one-partner map whose partner has a strategy per (target, type) cell."""
        draft = await self.draft_map(project_id)
        base = f"/v1/projects/{project_id}/outcome-maps/{draft['id']}"
        for target, type_ in cells:
            await self.ok(
                "POST",
                f"{base}/partners/{draft['partners'][0]['id']}/strategies",
                {"target": target, "type": type_, "description": f"{target} {type_} support"},
            )
        return await self.ok("POST", f"{base}/agree", {"agreed_in": "Workshop"}, 200)

    async def _entry(
        self, journal: str, project_id: str, body: dict[str, Any], submit: bool
    ) -> dict[str, Any]:
        entry = await self.ok("POST", f"/v1/projects/{project_id}/{journal}", body)
        if submit:
            entry = await self.ok(
                "POST", f"/v1/projects/{project_id}/{journal}/{entry['id']}/submit", None, 200
            )
        return entry

    async def strategy_journal(
        self,
        project_id: str,
        outcome_map: dict[str, Any],
        start: str,
        end: str,
        strategy_ids: list[str] | None = None,
        submit: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "outcome_map_id": outcome_map["id"],
            "period_start": start,
            "period_end": end,
            "strategy_ids": strategy_ids or [],
            "activities_implemented": "Two teaching sessions for ED nurses.",
            "effectiveness": "Nurses now refer frail patients on day one.",
            **extra,
        }
        return await self._entry("strategy-journal", project_id, body, submit)

    async def performance_journal(
        self,
        project_id: str,
        outcome_map: dict[str, Any],
        start: str,
        end: str,
        ratings: dict[str, str | None] | None = None,
        submit: bool = True,
        **extra: Any,
    ) -> dict[str, Any]:
        body = {
            "outcome_map_id": outcome_map["id"],
            "period_start": start,
            "period_end": end,
            "practice_entries": [
                {"practice": practice, "examples_or_indicators": "Monthly huddle.", "rating": r}
                for practice, r in (ratings or {}).items()
            ],
            **extra,
        }
        return await self._entry("performance-journal", project_id, body, submit)


@pytest.fixture
def build(client: httpx.AsyncClient) -> Builder:
    return Builder(client)


@contextmanager
def counting_statements(app: FastAPI) -> Iterator[Callable[[], int]]:
    """Count SQL statements the app's engine runs inside the block."""
    seen: list[str] = []

    def listener(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            seen.append(statement)

    engine = app.state.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield lambda: len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture
def expect_problem() -> Callable[[httpx.Response, int, str], dict[str, Any]]:
    return problem


@pytest.fixture
def count_sql(app: FastAPI) -> Callable[[], Any]:
    return functools.partial(counting_statements, app)
