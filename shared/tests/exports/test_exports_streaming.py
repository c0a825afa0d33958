"""Streaming properties of exports: the first chunks leave before the rows are all read; a client
that goes away (the disconnect message, a failing send, a closed TCP connection) ends the read
transaction and returns the connection at once, and the next export works; a failure after the
first byte cuts the response without HTTP's final chunk and without an NDJSON trailer; the loop
keeps serving during a long stream. On SQLite and PostgreSQL (there also: no session left idle
in transaction)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert, text

from shared.db import new_id
from shared.testing import TokenFactory, serving
from shared.testing.exports import export, read_csv

PROJECT = uuid.UUID("0190d7a0-0000-7000-8000-00000000000a")


async def seed(app: FastAPI, probe: ModuleType, count: int) -> None:
    moment = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        {
            "id": new_id(),
            "project_id": PROJECT,
            "title": f"row {n:06d} " + "x" * 60,
            "kind": "plain",
            "active": True,
            "stage": "idea",
            "created_at": moment,
            "updated_at": moment,
        }
        for n in range(count)
    ]
    async with app.state.database.engine.begin() as connection:
        for start in range(0, count, 5000):
            await connection.execute(insert(probe.ITEM), rows[start : start + 5000])


def checked_out(app: FastAPI) -> int:
    count: int = app.state.database.engine.pool.checkedout()
    return count


async def idle_in_transaction(app: FastAPI) -> int:
    """PostgreSQL sessions of this database left inside a transaction (0 on SQLite)."""
    engine = app.state.database.engine
    if engine.dialect.name != "postgresql":
        return 0
    async with engine.connect() as connection:
        count = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
            )
        )
    return int(count or 0)


class Exchange:
    """One raw ASGI request, to watch each message as the app sends it and to disconnect."""

    def __init__(
        self, app: FastAPI, token: str, query: dict[str, Any], *, spec: str = "2.3"
    ) -> None:
        self.app = app
        self.messages: list[dict[str, Any]] = []
        self.first_body_at: float | None = None
        self.disconnect = asyncio.Event()
        self.fail_send_after: int | None = None
        self._requested = False
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": spec},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/v1/exports/items",
            "raw_path": b"/v1/exports/items",
            "root_path": "",
            "query_string": urlencode(query, doseq=True).encode(),
            "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }

    async def receive(self) -> dict[str, Any]:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.disconnect.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if self.fail_send_after is not None and len(self.bodies) >= self.fail_send_after:
                raise OSError("connection reset by peer")
            if self.first_body_at is None:
                self.first_body_at = time.perf_counter()
        self.messages.append(message)

    async def run(self) -> None:
        await self.app(self.scope, self.receive, self.send)  # type: ignore[arg-type]

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "http.response.body"]

    @property
    def complete(self) -> bool:
        return any(m["type"] == "http.response.body" and not m["more_body"] for m in self.messages)

    @property
    def body(self) -> bytes:
        return b"".join(m["body"] for m in self.bodies)


async def drain(response: httpx.Response, into: bytearray) -> None:
    async for chunk in response.aiter_raw():
        into += chunk


async def until(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def test_the_first_chunks_leave_before_the_rows_are_all_read(
    app: FastAPI, probe: ModuleType, tokens: TokenFactory
) -> None:
    await seed(app, probe, 3000)
    probe.HOOKS.update(stall_after=2500, stalled=asyncio.Event(), release=asyncio.Event())
    exchange = Exchange(app, tokens("reporter"), {})
    started = time.perf_counter()
    task = asyncio.create_task(exchange.run())
    await asyncio.wait_for(probe.HOOKS["stalled"].wait(), 10)
    assert exchange.messages[0]["type"] == "http.response.start"
    assert exchange.first_body_at is not None and exchange.first_body_at - started < 0.5
    complete_while_stalled = exchange.complete
    assert not complete_while_stalled
    sent = exchange.body
    assert (
        sent.startswith(b"id,project_id,") and sent.count(b"\r\n") > 100
    )  # rows, not only a header
    probe.HOOKS["release"].set()
    await asyncio.wait_for(task, 10)
    assert exchange.complete
    assert exchange.body.count(b"\r\n") == 3001
    assert checked_out(app) == 0


async def test_a_disconnect_mid_stream_ends_the_transaction(
    app: FastAPI, probe: ModuleType, tokens: TokenFactory, client: httpx.AsyncClient
) -> None:
    await seed(app, probe, 500)
    probe.HOOKS.update(stall_after=200, fetch=50, stalled=asyncio.Event(), release=asyncio.Event())
    exchange = Exchange(app, tokens("reporter"), {"format": "ndjson", "trailer": "true"})
    task = asyncio.create_task(exchange.run())
    await asyncio.wait_for(probe.HOOKS["stalled"].wait(), 10)
    assert checked_out(app) == 1  # the export's own connection, in its read transaction
    if app.state.database.engine.dialect.name == "postgresql":
        assert await idle_in_transaction(app) == 1
    exchange.disconnect.set()
    await asyncio.wait_for(task, 10)
    assert not exchange.complete
    assert checked_out(app) == 0
    assert await idle_in_transaction(app) == 0
    probe.HOOKS.clear()
    assert len(read_csv(await export(client, "items")).rows) == 500


async def test_a_failing_send_closes_the_stream_at_once(
    app: FastAPI, probe: ModuleType, tokens: TokenFactory, client: httpx.AsyncClient
) -> None:
    # ASGI 2.4 servers report a gone client by failing `send`: Starlette then stops iterating
    # without closing the body; the export's response closes it (no waiting for the GC).
    await seed(app, probe, 3000)
    exchange = Exchange(app, tokens("reporter"), {}, spec="2.4")
    exchange.fail_send_after = 1
    with pytest.raises(Exception):  # noqa: B017 - Starlette's ClientDisconnect, whatever wraps it
        await exchange.run()
    assert checked_out(app) == 0  # before any other task ran
    assert await idle_in_transaction(app) == 0
    assert probe.HOOKS["yielded"] < 3000
    assert len(read_csv(await export(client, "items")).rows) == 3000


async def test_a_client_closing_its_tcp_connection_releases_the_export(
    app: FastAPI, probe: ModuleType, tokens: TokenFactory
) -> None:
    await seed(app, probe, 20_000)
    headers = {"Authorization": f"Bearer {tokens('reporter')}"}
    async with serving(app, lifespan="off") as url, httpx.AsyncClient(base_url=url) as client:
        async with client.stream("GET", "/v1/exports/items", headers=headers) as response:
            assert response.status_code == 200
            async for _ in response.aiter_raw():
                break
        await until(lambda: checked_out(app) == 0)
        assert await idle_in_transaction(app) == 0
        assert probe.HOOKS.get("yielded", 0) < 20_000  # it stopped, rather than ran to the end
        again = await client.get("/v1/exports/items", headers=headers)
        assert again.status_code == 200 and again.content.count(b"\r\n") == 20_001


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "xlsx"])
async def test_a_failure_mid_stream_is_visible_to_the_client(
    app: FastAPI, probe: ModuleType, tokens: TokenFactory, fmt: str
) -> None:
    await seed(app, probe, 3000)
    probe.HOOKS.update(fail_after=2000)
    headers = {"Authorization": f"Bearer {tokens('reporter')}"}
    received = bytearray()
    async with serving(app, lifespan="off") as url, httpx.AsyncClient(base_url=url) as client:
        params = {"format": fmt, "trailer": "true"}
        async with client.stream("GET", "/v1/exports/items", headers=headers, params=params) as r:
            assert r.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):  # no final chunk: an incomplete body
                await drain(r, received)
        assert received  # the failure came after the first bytes
        if fmt == "ndjson":
            assert b'"_export"' not in received
        await until(lambda: checked_out(app) == 0)
        assert await idle_in_transaction(app) == 0


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "xlsx"])
async def test_other_requests_are_served_during_a_long_stream(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, fmt: str
) -> None:
    # Interleaving, not a timing threshold (the machine is shared): small requests made while
    # a long export streams all finish before it does.
    await seed(app, probe, 20_000)
    long = asyncio.create_task(export(client, "items", format=fmt))
    await until(lambda: "yielded" in probe.HOOKS)
    finished_during = 0
    for _ in range(5):
        assert (await client.get("/v1/exports")).status_code == 200
        finished_during += not long.done()
    response = await long
    assert response.status_code == 200
    assert probe.HOOKS["yielded"] == 20_000
    assert finished_during == 5


async def test_rows_are_fetched_in_batches_not_all_at_once(app: FastAPI) -> None:
    # The database's own count of rows produced so far, read while the stream is at its first
    # row: a function per row on SQLite, a (non-transactional) sequence on PostgreSQL.
    from sqlalchemy import ColumnElement, func, literal_column, select

    from shared.exports import ExportContext, stream_mappings
    from shared.testing.exports import principal_for_tests

    engine = app.state.database.engine
    produced: list[int] = []
    postgres = engine.dialect.name == "postgresql"
    counter: ColumnElement[Any]
    if postgres:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SEQUENCE IF EXISTS export_probe_rows"))
            await connection.execute(text("CREATE SEQUENCE export_probe_rows"))
        counter = func.nextval("export_probe_rows")
    else:
        counter = literal_column("export_probe_count()")
    series = (
        "SELECT x FROM generate_series(1, 20000) AS x"
        if postgres
        else "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)"
        " SELECT x FROM c"
    )
    rows = text(series).columns().subquery("rows")
    statement = select(literal_column("rows.x"), counter.label("n")).select_from(rows)
    async with engine.connect() as connection:
        if not postgres:
            raw = (await connection.get_raw_connection()).driver_connection

            def count() -> int:
                produced.append(1)
                return len(produced)

            await raw.create_function("export_probe_count", 0, count)
        ctx = ExportContext(
            connection=connection,
            platform=app.state.platform,
            principal=principal_for_tests(),
            filters={},
            as_of=None,
            updated_since=None,
            snapshot_at=dt.datetime.now(dt.UTC),
        )
        stream = stream_mappings(ctx, statement, fetch=500)
        first = await anext(stream)
        assert first["n"] == 1
        if postgres:
            async with engine.connect() as other:
                so_far = await other.scalar(text("SELECT last_value FROM export_probe_rows"))
        else:
            so_far = len(produced)
        assert so_far is not None and so_far < 5000, so_far
        await stream.aclose()  # type: ignore[attr-defined]  # an async generator's
