"""A write that waited out SQLite's busy timeout, or that PostgreSQL rolled back for a deadlock
or a serialization failure, is a 503 with Retry-After, never a 500.

Under concurrent writers SQLite's BEGIN IMMEDIATE can give up ("database is locked"); nothing was
written, so the client may retry. The error reaches the handlers raw (the engine sends BEGIN
straight to the driver) or wrapped by SQLAlchemy; both are answered alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg.errors
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from shared.problems import UnhandledErrorMiddleware, install_problem_handlers, is_database_busy
from shared.testing import assert_problem


@pytest.fixture
def locked_error(tmp_path: Path) -> Iterator[sqlite3.OperationalError]:
    """The real error: a second writer that will not wait while the first holds the lock."""
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    waiter = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.OperationalError) as caught:
            waiter.execute("BEGIN IMMEDIATE")
        yield caught.value
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        waiter.close()


def _app(error: BaseException) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(UnhandledErrorMiddleware)

    @app.post("/write")
    async def write() -> None:
        raise error

    return app


async def assert_retry_later(error: BaseException) -> None:
    """A write raising `error` is answered 503 with Retry-After: 1."""
    transport = httpx.ASGITransport(app=_app(error), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/write")
    assert_problem(response, 503, "service-unavailable")
    assert response.headers["retry-after"] == "1"


@pytest.mark.parametrize("wrapped", [False, True], ids=["raw", "wrapped"])
async def test_a_locked_database_is_503_with_retry_after(
    locked_error: sqlite3.OperationalError, wrapped: bool
) -> None:
    error: BaseException = (
        OperationalError("BEGIN IMMEDIATE", {}, locked_error) if wrapped else locked_error
    )
    assert is_database_busy(error)
    await assert_retry_later(error)


@pytest.mark.parametrize(
    "error",
    [psycopg.errors.DeadlockDetected("deadlock detected"), psycopg.errors.SerializationFailure()],
    ids=["deadlock", "serialization"],
)
async def test_a_transaction_postgresql_rolled_back_is_503(error: psycopg.Error) -> None:
    wrapped = OperationalError("INSERT INTO child ...", {}, error)
    assert is_database_busy(wrapped)
    await assert_retry_later(wrapped)


def test_other_operational_errors_are_not_busy() -> None:
    assert not is_database_busy(sqlite3.OperationalError("no such table: project"))
    assert not is_database_busy(ValueError("locked"))
    unique = psycopg.errors.UniqueViolation("duplicate key value")
    assert not is_database_busy(OperationalError("INSERT", {}, unique))
