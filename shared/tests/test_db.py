"""SQLite is transactional (real BEGIN, savepoints, foreign keys, WAL); timestamps are UTC."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import ForeignKey, String, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import IdMixin, TimestampMixin, UTCDateTime, create_engine, new_id, new_metadata


class Base(DeclarativeBase):
    metadata = new_metadata()


class Parent(IdMixin, TimestampMixin, Base):
    __tablename__ = "parent"
    name: Mapped[str] = mapped_column(String(20))
    seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Child(IdMixin, Base):
    __tablename__ = "child"
    parent_id: Mapped[object] = mapped_column(ForeignKey("parent.id"))


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    with tempfile.TemporaryDirectory() as directory:
        engine = create_engine(f"sqlite+aiosqlite:///{Path(directory) / 't.db'}")
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        yield engine
        await engine.dispose()


async def test_wal_foreign_keys_and_busy_timeout(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
        assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
        assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 5000
    async with engine.begin() as connection:
        with pytest.raises(IntegrityError):
            await connection.execute(insert(Child).values(id=new_id(), parent_id=new_id()))


async def test_savepoint_rollback_is_real(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(Parent).values(
                id=new_id(),
                name="kept",
                created_at=dt.datetime.now(dt.UTC),
                updated_at=dt.datetime.now(dt.UTC),
            )
        )
        savepoint = await connection.begin_nested()
        await connection.execute(
            insert(Parent).values(
                id=new_id(),
                name="undone",
                created_at=dt.datetime.now(dt.UTC),
                updated_at=dt.datetime.now(dt.UTC),
            )
        )
        await savepoint.rollback()
    async with engine.connect() as connection:
        names = (await connection.execute(select(Parent.name))).scalars().all()
    assert names == ["kept"]


async def test_timestamps_come_back_utc_and_naive_values_are_refused(engine: AsyncEngine) -> None:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    local = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    async with sessions() as session:
        session.add(Parent(name="p", seen_at=local))
        await session.commit()
    async with sessions() as session:
        stored = await session.scalar(select(Parent.seen_at))
    assert stored == local and stored is not None and stored.tzinfo == dt.UTC and stored.hour == 11
    async with sessions() as session:
        session.add(Parent(name="naive", seen_at=dt.datetime(2026, 1, 1)))
        with pytest.raises(Exception, match="naive"):
            await session.commit()


def test_ids_are_time_ordered_uuid7() -> None:
    ids = [new_id() for _ in range(100)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)
