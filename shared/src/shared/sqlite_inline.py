"""Read-only SQLite: inline on the event loop while a statement is cheap, on a worker thread once
it is not.

Why inline: aiosqlite runs every call on a worker thread, so a single-row GET pays about nine
thread round trips (cursor, execute, fetch, close for BEGIN and SELECT, then COMMIT and the
pool's reset), about 1.4 ms, while the SQL itself takes microseconds.

Why not always: a statement run inline holds the loop for as long as it runs. One heavy read (an
aggregate over every row) stalled every other request of the service for its whole duration
(issue #16 item 2: a GET went from 0.9 ms to 291 ms while `key-people` ran). So every inline
statement gets a budget (`budget`, 2 ms of CPU by default; ten times that on the clock): SQLite's
progress handler checks every `PROGRESS_STEPS` virtual-machine steps and interrupts the statement
once the budget is spent. An interrupted read is run again, from the start, on a worker thread
(inside the same read transaction and WAL snapshot if the connection holds one: interrupting a
SELECT does not end it; request sessions hold none, see `shared.db`), where sqlite3 releases
the GIL while SQLite works; the loop serves other requests meanwhile. A statement that used up
its CPU budget is remembered for a while (`HEAVY_TTL`), so its next run goes to the thread at
once instead of spending the budget again. Inline
connections never wait for a lock either: their busy timeout is 0, and a read that finds the
database locked (SQLITE_BUSY, rare in WAL mode) is run on the thread with the configured busy
timeout. Writes stay on aiosqlite: a writer may wait up to the busy timeout for another writer,
which may need the loop to finish.

This module mimics the small part of aiosqlite's interface that SQLAlchemy's aiosqlite dialect
uses (`cursor()`, awaitable `execute`/`fetch*`/`commit`/`rollback`/`close`, `stop()`, and the
private `_conn`, `_connection` and `_tx` attributes the dialect reaches into), so the engine is an
ordinary `sqlite+aiosqlite` engine built with `async_creator`. `shared/tests/test_sqlite_reads.py`
pins that interface against the installed SQLAlchemy and aiosqlite: it is kept only while that
test passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cachetools import TTLCache

# SQLite virtual-machine steps between two looks at the clock: a few microseconds of SQL, and a
# statement that finishes sooner (a point read) never calls back into Python at all.
PROGRESS_STEPS = 1000
DEFAULT_BUDGET_SECONDS = 0.002
# How long a statement that ran over its budget goes straight to the thread.
HEAVY_TTL = 60.0
# A statement is also stopped once the clock says this many budgets have passed (it is waiting
# for the disk, or the process is starved of CPU), but only CPU use marks it as heavy.
WALL_FACTOR = 10

# Statements (SQL text, as SQLAlchemy's statement cache renders them) seen to exceed the budget.
_heavy: TTLCache[str, bool] = TTLCache(maxsize=512, ttl=HEAVY_TTL)
# Heavy reads of every engine share these threads: a few at a time is all 2 cores can use, and
# more would only queue for the GIL between rows.
_readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sqlite-read")


def _interrupted(exc: sqlite3.OperationalError) -> bool:
    return str(exc) == "interrupted"


def _locked(exc: sqlite3.OperationalError) -> bool:
    return "database is locked" in str(exc) or "database table is locked" in str(exc)


class _InlineQueue:
    """Stands in for aiosqlite's work queue (the dialect's isolation-level setter puts
    `(future, function)` on `_tx`): runs the function at once, resolves the future."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class InlineCursor:
    """A cursor whose `execute` also fetches every row (the dialect fetches them all right after
    anyway), so one statement runs as one unit: inline, or on the thread."""

    def __init__(self, owner: InlineConnection) -> None:
        self._owner = owner
        self._cursor = owner._conn.cursor()
        self._rows: list[Any] = []

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    def _run(self, sql: str, parameters: Sequence[Any] | None) -> None:
        cursor = self._cursor
        if parameters is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql, parameters)
        self._rows = cursor.fetchall() if cursor.description else []

    def _run_many(self, sql: str, parameters: list[Sequence[Any]]) -> None:
        self._cursor.executemany(sql, parameters)
        self._rows = []

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        await self._owner.run(sql, self._run, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> InlineCursor:
        await self._owner.run(sql, self._run_many, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        # Popping the front is linear, but the dialect calls fetchall (the only method a
        # non-streaming read uses) right after execute.
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = size if size is not None else self._cursor.arraysize
        taken, self._rows = self._rows[:count], self._rows[count:]
        return taken

    async def fetchall(self) -> list[Any]:
        taken, self._rows = self._rows, []
        return taken

    def __aiter__(self) -> InlineCursor:
        return self

    async def __anext__(self) -> Any:
        if not self._rows:
            raise StopAsyncIteration
        return self._rows.pop(0)

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """One sqlite3 connection, used by one session at a time: inline on the loop thread, or on a
    worker thread while the session awaits it (never both at once)."""

    def __init__(
        self, connection: sqlite3.Connection, *, budget: float, busy_timeout_ms: int
    ) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _InlineQueue()
        self.budget = budget
        self.busy_timeout_ms = busy_timeout_ms
        self._cpu_deadline: float | None = None
        self._wall_deadline = 0.0
        self._stopped: str | None = None  # why the progress handler stopped the statement
        connection.set_progress_handler(self._progress, PROGRESS_STEPS)

    def _progress(self) -> int:
        # CPU time, not the clock: a point read the machine merely preempted (other processes
        # on the same cores) is not heavy. The wall clock still bounds a statement waiting on
        # the disk, at WALL_FACTOR times the budget.
        deadline = self._cpu_deadline
        if deadline is None:
            return 0
        if time.thread_time() > deadline:
            self._stopped = "cpu"
        elif time.perf_counter() > self._wall_deadline:
            self._stopped = "wall"
        else:
            return 0
        return 1  # SQLite stops the statement: "interrupted"

    async def run(self, sql: str, work: Callable[..., None], *args: Any) -> None:
        """`work(*args)` inline within the budget, else (or if `sql` is known to be heavy) on a
        worker thread."""
        if sql not in _heavy:
            in_transaction = self._conn.in_transaction
            self._cpu_deadline = time.thread_time() + self.budget
            self._wall_deadline = time.perf_counter() + self.budget * WALL_FACTOR
            try:
                work(*args)
                return
            except sqlite3.OperationalError as exc:
                stopped = self._stopped if _interrupted(exc) else None
                # Run it again only where that changes nothing: the same read transaction
                # (an interrupted SELECT keeps it) or none.
                if not (stopped or _locked(exc)) or in_transaction != self._conn.in_transaction:
                    raise
                if stopped == "cpu":
                    _heavy[sql] = True
            finally:
                self._cpu_deadline = None
                self._stopped = None
        await self._off_loop(work, *args)

    def _unbounded(self, work: Callable[..., None], *args: Any) -> None:
        """On the worker thread: no progress callbacks (each would take the GIL from the loop),
        and the configured busy timeout."""
        connection = self._conn
        connection.set_progress_handler(None, 0)
        connection.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        try:
            work(*args)
        finally:
            connection.execute("PRAGMA busy_timeout=0")
            connection.set_progress_handler(self._progress, PROGRESS_STEPS)

    async def _off_loop(self, work: Callable[..., None], *args: Any) -> None:
        future = asyncio.get_running_loop().run_in_executor(_readers, self._unbounded, work, *args)
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            # The session is being torn down: stop the statement, and hand the connection back
            # only once the thread has let go of it.
            self._conn.interrupt()
            while not future.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([future])
            with contextlib.suppress(BaseException):
                future.result()
            raise

    def cursor(self) -> InlineCursor:
        return InlineCursor(self)

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        if self._connection is not None:
            self._conn.close()
            self._connection = None

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level


def inline_creator(
    path: str, *, budget: float = DEFAULT_BUDGET_SECONDS, busy_timeout_ms: int = 5000
) -> Callable[..., Any]:
    """An `async_creator` for `create_async_engine` that opens `path` for inline reads. The
    connection's own busy timeout is 0 (inline never waits); `busy_timeout_ms` applies on the
    thread."""

    async def connect(*_: Any, **__: Any) -> InlineConnection:
        # check_same_thread=False: a heavy read runs on a worker thread while its session waits.
        connection = sqlite3.connect(path, check_same_thread=False, timeout=0)
        return InlineConnection(connection, budget=budget, busy_timeout_ms=busy_timeout_ms)

    return connect
