"""Who may read the aggregates, the 422s for bad input (with the pointer), and what the SQL
binds: a fixed number of statements with a fixed number of parameters, whatever the number of
projects (no id list is ever bound)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event

from services.projects.tests.aggregates.support import PORTFOLIO, T0, iso
from shared.testing import ManualClock, TokenFactory, api_client, assert_problem


class TestWhoMayRead:
    @pytest.mark.parametrize(
        ("role", "status"),
        [
            ("governance", 200),
            ("admin", 200),
            ("reporter", 200),
            ("viewer", 200),
            ("service", 200),
            ("contributor", 403),
            ("evaluator", 403),
        ],
    )
    async def test_roles(self, app: FastAPI, tokens: TokenFactory, role: str, status: int) -> None:
        async with api_client(app, token=tokens(role)) as api:
            response = await api.get(PORTFOLIO)
        assert response.status_code == status, response.text
        if status == 403:
            assert_problem(response, 403, "forbidden")

    async def test_no_token(self, app: FastAPI) -> None:
        async with api_client(app) as api:
            assert_problem(await api.get(PORTFOLIO), 401)

    async def test_attainment_over_time_is_any_readers(
        self, app: FastAPI, tokens: TokenFactory, build: Any
    ) -> None:
        project = await build.project()
        async with api_client(app, token=tokens("contributor")) as api:
            response = await api.get(f"/v1/aggregates/projects/{project['id']}/attainment")
        assert response.status_code == 200, response.text


class TestBadInput:
    async def test_as_of_in_the_future(self, client: httpx.AsyncClient, clock: ManualClock) -> None:
        clock.freeze(T0)
        response = await client.get(PORTFOLIO, params={"as_of": iso(T0 + dt.timedelta(seconds=1))})
        body = assert_problem(response, 422, "as-of-in-future")
        assert body["errors"][0]["pointer"] == "/as_of"
        assert (await client.get(PORTFOLIO, params={"as_of": iso(T0)})).status_code == 200

    async def test_the_attainment_as_of_in_the_future(
        self, client: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        clock.freeze(T0)
        project = await build.project()
        response = await client.get(
            f"/v1/aggregates/projects/{project['id']}/attainment",
            params={"as_of": iso(T0 + dt.timedelta(days=1))},
        )
        assert_problem(response, 422, "as-of-in-future")

    @pytest.mark.parametrize(
        "params",
        [
            {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"},
            {"from": "2026-03-02T10:00:00Z", "as_of": "2026-03-02T09:00:00Z"},
        ],
    )
    async def test_a_period_that_ends_before_it_starts(
        self, client: httpx.AsyncClient, clock: ManualClock, params: dict[str, str]
    ) -> None:
        clock.freeze(T0 + dt.timedelta(days=1))
        body = assert_problem(await client.get(PORTFOLIO, params=params), 422, "invalid-period")
        assert body["errors"][0]["pointer"] == "/from"

    @pytest.mark.parametrize(
        ("params", "pointer"),
        [
            ({"pillar": "research"}, "/pillar"),
            ({"stage": "launched"}, "/stage"),
            ({"innovation_type": "drug"}, "/innovation_type"),
            ({"as_of": "2026-03-01T00:00:00"}, "/as_of"),
            ({"from": "yesterday"}, "/from"),
            ({"directorate": "x" * 121}, "/directorate"),
        ],
    )
    async def test_unknown_or_malformed_values(
        self, client: httpx.AsyncClient, params: dict[str, str], pointer: str
    ) -> None:
        body = assert_problem(await client.get(PORTFOLIO, params=params), 422)
        assert [error["pointer"] for error in body["errors"]] == [pointer]

    async def test_an_unknown_parameter(self, client: httpx.AsyncClient) -> None:
        response = await client.get(PORTFOLIO, params={"project_id": "x"})
        assert_problem(response, 422, "unknown-query-parameter")

    async def test_an_unknown_project(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/v1/aggregates/projects/01900000-0000-7000-8000-000000000000/attainment"
        )
        assert_problem(response, 404)


@contextmanager
def statements(app: FastAPI) -> Iterator[list[tuple[str, int]]]:
    """(SQL, number of bound parameters) of each statement the engine runs in the block."""
    seen: list[tuple[str, int]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            seen.append((statement, len(parameters or ())))

    database = app.state.database
    engines = {id(e): e.sync_engine for e in (database.engine, database.read_engine) if e}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", listener)


class TestStatements:
    async def test_constant_statements_and_parameters(
        self, client: httpx.AsyncClient, app: FastAPI, build: Any
    ) -> None:
        shapes = []
        for total in (3, 30):
            while (
                len((await client.get("/v1/projects", params={"limit": 200})).json()["items"])
                < total
            ):
                await build.project()
            for params in ({}, {"directorate": "medicine", "stage": "idea"}):
                with statements(app) as seen:
                    response = await client.get(PORTFOLIO, params=params)
                assert response.status_code == 200, response.text
                assert len(response.json()["project_ids"] or []) == (total if params else 0)
                # Distinct statements: SQLite may run a slow read again on a worker thread.
                shapes.append(sorted(set(seen)))
        # The same statements with the same number of parameters for 3 and 30 projects.
        assert shapes[0] == shapes[2] and shapes[1] == shapes[3]
        assert len(shapes[1]) == len(shapes[0]) + 1  # project_ids, only when filtered
        assert len(shapes[1]) <= 12 and max(n for shape in shapes for _, n in shape) < 100
