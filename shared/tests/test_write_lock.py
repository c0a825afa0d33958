"""The write lock comes before a transaction's first row lock (`shared.changes.take_write_lock`),
so two writers of one row never deadlock on it: without that order, a transaction that locked a
row (an INSERT's foreign-key check, a `SELECT ... FOR UPDATE`) and then waited for the lock
deadlocked with the lock's holder as soon as the holder wanted that row, and PostgreSQL aborted
one of them (a 500 in the demo: a journal entry beside a gate decision applied to its project).

Runs on PostgreSQL only (`CMDI_TEST_DATABASE=postgresql`): SQLite has one writer at a time, and
the lock is PostgreSQL's advisory lock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from sqlalchemy import ForeignKey, String, event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.changes import Audited, install_change_capture, record_audit
from shared.db import Database, new_id
from shared.platform import PLATFORM_INFO_KEY, PlatformTables
from shared.testing.support import backend, empty_database

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="the write lock is a PostgreSQL advisory lock"
)

WAIT_SECONDS = 10.0


class Base(DeclarativeBase):
    pass


PLATFORM = PlatformTables.define(Base.metadata, service="writelock")


class Parent(Audited, Base):
    __tablename__ = "parent"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(40))


class Child(Audited, Base):
    __tablename__ = "child"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    parent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("parent.id"))


@pytest.fixture
async def database() -> AsyncIterator[tuple[Database, uuid.UUID, uuid.UUID]]:
    install_change_capture()
    async with empty_database("shared", "writelock") as url:
        database = Database.connect(url, info={PLATFORM_INFO_KEY: PLATFORM})
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        first, second = new_id(), new_id()
        async with database.sessionmaker() as session:
            session.add_all([Parent(id=first, name="a"), Parent(id=second, name="b")])
            await session.commit()
        yield database, first, second
        await database.dispose()


async def started_until_blocked(
    database: Database, writer: AsyncSession, work: Callable[[], Coroutine[Any, Any, None]]
) -> asyncio.Task[None]:
    """`work` (on `writer`'s transaction) started, once that backend waits for a lock
    (bounded)."""
    pid = await writer.scalar(text("SELECT pg_backend_pid()"))
    task = asyncio.create_task(work())
    async with database.engine.connect() as watcher:
        for _ in range(int(WAIT_SECONDS / 0.02)):
            waits = await watcher.scalar(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": pid},
            )
            await watcher.commit()
            if waits == "Lock":
                return task
            await asyncio.sleep(0.02)
    task.cancel()
    raise AssertionError(f"backend {pid} never waited for a lock")


async def names(database: Database) -> dict[uuid.UUID, str]:
    async with database.sessionmaker() as session:
        rows = await session.execute(text("SELECT id, name FROM parent"))
        return {row.id: row.name for row in rows}


async def children_of(database: Database, parent_id: uuid.UUID) -> int:
    async with database.sessionmaker() as session:
        count = await session.scalar(
            text("SELECT count(*) FROM child WHERE parent_id = :id"), {"id": parent_id}
        )
        return int(count or 0)


async def test_an_insert_waits_for_the_lock_before_it_locks_the_parent(
    database: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    """The holder wrote first; the other adds a child of a row the holder then locks."""
    db, first, second = database
    async with db.sessionmaker() as holder, db.sessionmaker() as writer:
        parent = await holder.get(Parent, first)
        assert parent is not None
        parent.name = "held"
        await holder.flush()

        async def add_child() -> None:
            writer.add(Child(parent_id=second))
            await writer.commit()

        adding = await started_until_blocked(db, writer, add_child)
        locked = await holder.get(Parent, second, with_for_update=True)
        assert locked is not None
        locked.name = "renamed"
        await holder.commit()
        await asyncio.wait_for(adding, WAIT_SECONDS)
    assert await names(db) == {first: "held", second: "renamed"}
    assert await children_of(db, second) == 1


async def test_select_for_update_takes_the_lock_first(
    database: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    """The holder locked a row before writing anything; the other writes, then adds a child of
    that row."""
    db, first, second = database
    async with db.sessionmaker() as holder, db.sessionmaker() as writer:
        locked = await holder.get(Parent, second, with_for_update=True)
        assert locked is not None

        async def write_then_add_child() -> None:
            parent = await writer.get(Parent, first)
            assert parent is not None
            parent.name = "written"
            await writer.flush()
            writer.add(Child(parent_id=second))
            await writer.commit()

        writing = await started_until_blocked(db, writer, write_then_add_child)
        locked.name = "renamed"
        await holder.commit()
        await asyncio.wait_for(writing, WAIT_SECONDS)
    assert await names(db) == {first: "written", second: "renamed"}
    assert await children_of(db, second) == 1


async def test_a_transaction_asks_for_the_lock_once(
    database: tuple[Database, uuid.UUID, uuid.UUID],
) -> None:
    """Two flushes, a statement and an audit entry of its own: one lock request, not one each;
    a read asks for none."""
    db, first, second = database
    sent: list[str] = []

    def record(_: Any, __: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with db.sessionmaker() as session:
            parent = await session.get(Parent, first)
            assert parent is not None
            parent.name = "once"
            await session.flush()
            session.add(Child(parent_id=first))
            await session.flush()
            await session.execute(text("SELECT 1"))
            await record_audit(
                session, entity_type="parent", entity_id=first, action="checked", changes={}
            )
            await session.commit()
        async with db.sessionmaker() as session:
            await session.get(Parent, second)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert sum("pg_advisory_xact_lock" in statement for statement in sent) == 1
