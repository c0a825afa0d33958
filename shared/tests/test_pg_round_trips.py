"""PostgreSQL round trips per request (issue #16 item 8), counted in libpq's own protocol trace:
a read is one (no pre-ping, no BEGIN, no ROLLBACK: autocommit), a write is BEGIN, its statements
and COMMIT; and without the pre-ping a connection the server dropped still costs a read nothing
(it retries once on a fresh connection) and a write a 503, never a 500.

Runs on PostgreSQL only (`CMDI_TEST_DATABASE=postgresql`)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from psycopg import pq
from sqlalchemy import Column, MetaData, String, Table, Uuid, event, insert, select
from sqlalchemy.exc import DBAPIError

from shared.db import Database
from shared.problems import is_connection_lost
from shared.testing.support import _admin_dsn, backend, empty_database

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="counts PostgreSQL protocol messages"
)

metadata = MetaData()
item = Table("item", metadata, Column("id", Uuid, primary_key=True), Column("name", String(40)))


class Trace:
    """Every message the client sends on the database's connections, in libpq's trace."""

    def __init__(self, database: Database) -> None:
        handle, self.path = tempfile.mkstemp(prefix="pgtrace-")
        self.fd = handle
        self.mark = 0

        @event.listens_for(database.engine.sync_engine, "connect")
        def trace(dbapi_connection: Any, _: Any) -> None:
            pgconn = dbapi_connection.driver_connection.pgconn
            pgconn.trace(self.fd)
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def sent(self) -> list[str]:
        """The client's messages since the last call: type and text."""
        with open(self.path) as trace:
            trace.seek(self.mark)
            lines = trace.read()
            self.mark = trace.tell()
        fields = [line.split("\t") for line in lines.splitlines()]
        return [" ".join(f[2:4]) for f in fields if len(f) > 2 and f[0] == "F"]

    def round_trips(self) -> int:
        """Each simple Query, and each Sync ending an extended-protocol batch, waits for the
        server once."""
        return sum(m.split(" ")[0] in ("Query", "Sync") for m in self.sent())

    def close(self) -> None:
        os.close(self.fd)
        os.unlink(self.path)


@pytest.fixture
async def database() -> AsyncIterator[tuple[Database, Trace, str]]:
    async with empty_database("shared", "roundtrips") as url:
        database = Database.connect(url, info={})
        trace = Trace(database)
        async with database.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(insert(item), [{"id": uuid.uuid4(), "name": "a"}])
        trace.sent()
        yield database, trace, url.rsplit("/", 1)[1]
        await database.dispose()
        trace.close()


async def _first_id(database: Database) -> uuid.UUID:
    async with database.read_sessionmaker() as session:
        found: uuid.UUID = (await session.scalars(select(item.c.id))).one()
    return found


async def test_a_read_is_one_round_trip(database: tuple[Database, Trace, str]) -> None:
    db, trace, _ = database
    wanted = await _first_id(db)  # the connection is open and traced from here on
    trace.sent()
    for _ in range(3):
        async with db.read_sessionmaker() as session:
            name = await session.scalar(select(item.c.name).where(item.c.id == wanted))
        assert name == "a"
        sent = trace.sent()
        assert sum(m.split(" ")[0] in ("Query", "Sync") for m in sent) == 1, sent
        assert not any("BEGIN" in m or "ROLLBACK" in m for m in sent), sent


async def test_a_write_is_begin_its_statement_and_commit(
    database: tuple[Database, Trace, str],
) -> None:
    db, trace, _ = database
    await _first_id(db)
    trace.sent()
    async with db.sessionmaker() as session:
        await session.execute(insert(item).values(id=uuid.uuid4(), name="b"))
        await session.commit()
    sent = trace.sent()
    assert [m.split(" ")[0] for m in sent if m.split(" ")[0] in ("Query", "Sync")] == [
        "Query",  # BEGIN
        "Sync",  # the INSERT
        "Query",  # COMMIT
    ], sent


def _drop_connections(name: str) -> int:
    with psycopg.connect(_admin_dsn(), autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        ).fetchall()
    return len(rows)


async def test_a_dropped_connection_costs_a_read_nothing_and_a_write_a_503(
    database: tuple[Database, Trace, str],
) -> None:
    db, _, name = database
    wanted = await _first_id(db)
    assert _drop_connections(name) >= 1  # as a database restart would
    async with db.read_sessionmaker() as session:
        assert await session.scalar(select(item.c.name).where(item.c.id == wanted)) == "a"

    await _first_id(db)
    assert _drop_connections(name) >= 1
    async with db.sessionmaker() as session:
        with pytest.raises(DBAPIError) as lost:
            await session.execute(insert(item).values(id=uuid.uuid4(), name="c"))
    assert is_connection_lost(lost.value)  # the problem handlers answer 503 + Retry-After
    async with db.sessionmaker() as session:  # the pool let go of the dead connections
        await session.execute(insert(item).values(id=uuid.uuid4(), name="d"))
        await session.commit()
    async with db.read_sessionmaker() as session:
        names = set((await session.scalars(select(item.c.name))).all())
    assert names == {"a", "d"}


async def test_a_streamed_read_gets_the_transaction_its_cursor_needs(
    database: tuple[Database, Trace, str],
) -> None:
    """A server-side cursor is declared inside a transaction: autocommit cannot stream."""
    db, trace, _ = database
    async with db.read_sessionmaker() as session:
        streamed = await session.stream(select(item.c.name))
        assert [row[0] async for row in streamed] == ["a"]
        assert await session.scalar(select(item.c.name)) == "a"  # the plain read still works
    sent = trace.sent()
    assert any("BEGIN" in m for m in sent) and any("DECLARE" in m for m in sent), sent
