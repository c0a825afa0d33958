"""Read-only SQLite sessions (`shared.sqlite_inline`): cheap statements run inline on the event
loop, a heavy one moves to a worker thread instead of stalling the loop (issue #16 item 2), and
the aiosqlite interface the module imitates is pinned against the installed libraries.

The last test is why `sqlite_inline.py` may stay (issue #10 item 10): the module stands in for
`aiosqlite.Connection` under SQLAlchemy's aiosqlite dialect, which reaches into aiosqlite's
private attributes (`_connection`, `_conn`, `_tx`) and calls `stop()`. If an upgrade of
SQLAlchemy or aiosqlite changes what the dialect uses, that test fails before any request does.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import sqlite3
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy.connectors.asyncio as asyncio_connector
import sqlalchemy.dialects.sqlite.aiosqlite as aiosqlite_dialect
from sqlalchemy import event, text

from shared import sqlite_inline
from shared.db import Database
from shared.sqlite_inline import InlineConnection, InlineCursor

# Counts to this many rows and back: well over the 2 ms inline budget on any machine (about a
# second of SQLite work here), under a few seconds on a slow one.
HEAVY = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n}) "
    "SELECT thread_id(), (SELECT count(*) FROM c)"
)


@pytest.fixture
async def database() -> AsyncIterator[Database]:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'reads.db'}"
        database = Database.connect(url, info={})
        assert database.read_engine is not None

        @event.listens_for(database.read_engine.sync_engine, "connect")
        def thread_function(dbapi_connection: Any, _: Any) -> None:
            # Which thread ran the statement: the loop's, or a worker's.
            dbapi_connection.create_function("thread_id", 0, threading.get_ident)

        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)"))
            await connection.execute(text("INSERT INTO item (name) VALUES ('a'), ('b'), ('c')"))
        sqlite_inline._heavy.clear()
        yield database
        await database.dispose()
        sqlite_inline._heavy.clear()


async def _max_loop_gap(stop: asyncio.Event) -> float:
    """The longest the loop went without running this task, in seconds, until `stop`."""
    gap, last = 0.0, time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        gap, last = max(gap, now - last), now
    return gap


async def test_a_point_read_runs_inline_on_the_loop_thread(database: Database) -> None:
    async with database.read_sessionmaker() as session:
        thread, name = (
            await session.execute(text("SELECT thread_id(), name FROM item WHERE id = 2"))
        ).one()
        streamed = await session.stream(text("SELECT name FROM item ORDER BY id"))
        assert [row[0] async for row in streamed] == ["a", "b", "c"]  # server-side cursors too
    assert thread == threading.get_ident()
    assert name == "b"
    assert not sqlite_inline._heavy


async def test_a_heavy_read_runs_on_a_worker_thread_and_the_loop_keeps_serving(
    database: Database,
) -> None:
    stop = asyncio.Event()
    watcher = asyncio.create_task(_max_loop_gap(stop))
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    async with database.read_sessionmaker() as session:
        thread, count = (await session.execute(text(HEAVY.format(n=2_000_000)))).one()
    took = time.perf_counter() - started
    stop.set()
    gap = await watcher
    assert count == 2_000_000
    assert thread != threading.get_ident()
    # Inline, the loop would have stood still for the whole statement.
    assert gap < took / 4, (
        f"the loop stalled {gap * 1000:.0f} ms during a {took * 1000:.0f} ms read"
    )
    # Remembered: the next run goes to the thread without spending the inline budget first.
    assert HEAVY.format(n=2_000_000) in sqlite_inline._heavy


async def test_a_read_that_only_waits_moves_to_the_thread_but_is_not_marked_heavy(
    database: Database,
) -> None:
    """The clock bounds a statement that waits (a cold disk; here a sleeping function), but
    only CPU use marks a statement heavy: a point read the machine preempted stays inline."""
    assert database.read_engine is not None

    def nap() -> int:
        time.sleep(0.005)
        return 1

    @event.listens_for(database.read_engine.sync_engine, "connect")
    def sleeper(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.create_function("nap", 0, nap)

    await database.read_engine.dispose()  # new connections get the function
    waiting = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) "
        "SELECT thread_id(), sum(CASE WHEN x % 50 = 0 THEN nap() ELSE 0 END) FROM c"
    )
    async with database.read_sessionmaker() as session:
        thread, naps = (await session.execute(text(waiting))).one()
    assert naps == 40
    assert thread != threading.get_ident()  # 200 ms asleep: past 10 budgets
    assert waiting not in sqlite_inline._heavy


async def test_a_read_session_sees_each_commit_as_postgresql_read_committed_does(
    database: Database,
) -> None:
    """No BEGIN on the inline reader: each statement is its own read transaction, as each sees
    its own snapshot under PostgreSQL's READ COMMITTED."""
    async with database.read_sessionmaker() as session:
        assert await session.scalar(text("SELECT count(*) FROM item")) == 3
        async with database.engine.begin() as writer:
            await writer.execute(text("INSERT INTO item (name) VALUES ('d')"))
        assert await session.scalar(text("SELECT count(*) FROM item")) == 4


async def test_the_rerun_on_the_thread_keeps_an_open_read_transaction(database: Database) -> None:
    assert database.read_engine is not None
    async with database.read_engine.connect() as connection:
        reader = await connection.execution_options(sqlite_begin="DEFERRED")
        await reader.begin()
        before = await reader.scalar(text("SELECT count(*) FROM item"))  # the snapshot starts
        async with database.engine.begin() as writer:
            await writer.execute(text("INSERT INTO item (name) VALUES ('d')"))
        heavy = (
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
            "SELECT thread_id(), (SELECT count(*) FROM item), (SELECT count(*) FROM c)"
        )
        thread, during, _ = (await reader.execute(text(heavy))).one()
    assert thread != threading.get_ident()
    assert before == during == 3
    async with database.read_sessionmaker() as session:
        assert await session.scalar(text("SELECT count(*) FROM item")) == 4


async def test_a_read_that_finds_the_database_locked_waits_on_the_thread(
    database: Database,
) -> None:
    assert database.read_engine is not None
    path = database.read_engine.url.database
    assert path is not None
    # An exclusive-locking writer keeps even WAL readers out (SQLITE_BUSY) until it lets go;
    # it needs the file to itself to start.
    await database.dispose()
    blocker = sqlite3.connect(path, check_same_thread=False)
    blocker.isolation_level = None
    blocker.execute("PRAGMA locking_mode=EXCLUSIVE")
    blocker.execute("BEGIN EXCLUSIVE")
    blocker.execute("INSERT INTO item (name) VALUES ('e')")
    stop = asyncio.Event()
    watcher = asyncio.create_task(_max_loop_gap(stop))

    async def read() -> tuple[int, int]:
        async with database.read_sessionmaker() as session:
            row = (await session.execute(text("SELECT thread_id(), count(*) FROM item"))).one()
            return row[0], row[1]

    reader = asyncio.create_task(read())
    await asyncio.sleep(0.3)
    assert not reader.done()  # waiting for the lock, off the loop
    blocker.execute("COMMIT")
    blocker.execute("PRAGMA locking_mode=NORMAL")
    blocker.execute("SELECT 1 FROM item LIMIT 1")  # NORMAL takes effect at the next access
    blocker.close()
    _, count = await asyncio.wait_for(reader, 10)
    stop.set()
    assert await watcher < 0.2  # it waited 0.3 s and more, none of it on the loop
    assert count == 4


async def test_a_cancelled_heavy_read_stops_and_frees_its_connection(database: Database) -> None:
    async def heavy() -> None:
        async with database.read_sessionmaker() as session:
            await session.execute(text(HEAVY.format(n=50_000_000)))  # minutes, uninterrupted

    task = asyncio.create_task(heavy())
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - started < 5  # interrupted, not waited out
    async with database.read_sessionmaker() as session:
        assert await session.scalar(text("SELECT count(*) FROM item")) == 3


async def test_writes_and_their_sessions_stay_on_aiosqlite(database: Database) -> None:
    async with database.sessionmaker() as session:
        raw = await (await session.connection()).get_raw_connection()
        assert isinstance(raw.driver_connection, aiosqlite.Connection)
    async with database.read_sessionmaker() as session:
        raw = await (await session.connection()).get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)


def _attributes_used(source: str, receiver: str) -> set[str]:
    return set(re.findall(rf"{re.escape(receiver)}\.(\w+)", source))


def test_the_aiosqlite_interface_sqlite_inline_imitates_is_the_one_sqlalchemy_uses() -> None:
    """Pins the behaviour `sqlite_inline` relies on (see the module docstring)."""
    dialect_source = inspect.getsource(aiosqlite_dialect)
    connector_source = inspect.getsource(asyncio_connector)
    # What the dialect and the generic adapter touch on the driver's connection and cursor.
    on_connection = _attributes_used(dialect_source, "self._connection") | _attributes_used(
        connector_source, "self._connection"
    )
    on_cursor = _attributes_used(connector_source, "self._cursor")
    on_connection -= {"_handle_exception"}  # the adapter's own method, reached via self
    for name in sorted(on_connection):
        assert hasattr(InlineConnection, name) or name in {"_conn", "_connection", "_tx"}, (
            f"SQLAlchemy's aiosqlite dialect now uses Connection.{name}: teach InlineConnection"
        )
        # Everything the dialect uses must exist on aiosqlite's own connection too, or the
        # dialect changed its mind about aiosqlite and the imitation is stale.
        assert hasattr(aiosqlite.Connection, name) or name in {"_conn", "_connection", "_tx"}
    for name in sorted(on_cursor - {"_cursor"}):
        if hasattr(aiosqlite.Cursor, name):
            assert hasattr(InlineCursor, name), f"InlineCursor lacks {name}, which SQLAlchemy uses"
    # The private parts: `_tx` takes `(future, function)` (the isolation-level setter puts its
    # work there), `_conn` is the sqlite3 connection, `_connection` is falsy once closed, and
    # `stop()` exists (else the dialect disables terminate).
    assert "self._connection._tx.put_nowait((future, function))" in dialect_source
    assert "self._connection._conn" in dialect_source
    assert "if self._connection._connection:" in dialect_source
    assert callable(aiosqlite.Connection.stop)
    source = inspect.getsource(aiosqlite.Connection)
    assert "self._tx" in source and "self._connection" in source
    assert "(future, function)" in source or "future, function" in source
    # And the dialect sees an InlineConnection as a working aiosqlite connection.
    connection: Any = InlineConnection(sqlite3.connect(":memory:"), budget=0.002, busy_timeout_ms=0)
    adapted = aiosqlite_dialect.AsyncAdapt_aiosqlite_connection(
        aiosqlite_dialect.SQLiteDialect_aiosqlite.import_dbapi(), connection
    )
    assert adapted._connection is connection
