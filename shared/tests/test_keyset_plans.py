"""Keyset pages seek: the cursor condition is an index bound on SQLite (EXPLAIN QUERY PLAN says
SEARCH, not SCAN) and on PostgreSQL (an Index Cond), ascending and descending, with and without
a parent filter before the sort column; and a walk over every page returns every row once."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import ForeignKey, Index, Select, String, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from starlette.requests import Request
from starlette.responses import Response

from shared.db import IdMixin, UTCDateTime, create_engine, new_metadata
from shared.pagination import Pagination, SortKey, _encode
from shared.testing import empty_database

ROWS = 3000
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class Base(DeclarativeBase):
    metadata = new_metadata()


class Parent(IdMixin, Base):
    __tablename__ = "plan_parent"


class Item(IdMixin, Base):
    __tablename__ = "plan_item"
    __table_args__ = (
        Index("ix_plan_item_created_at_id", "created_at", "id"),
        Index("ix_plan_item_parent_id_title_id", "parent_id", "title", "id"),
    )
    parent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plan_parent.id"))
    title: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    async with empty_database("shared", "keyset") as url:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            parents = [uuid.UUID(int=n + 1) for n in range(3)]
            await connection.execute(insert(Parent), [{"id": p} for p in parents])
            await connection.execute(
                insert(Item),
                [
                    {
                        "id": uuid.UUID(int=(n * 7919) % 10**9 + 1000),
                        "parent_id": parents[n % 3],
                        "title": f"title {n % 97:02d}",  # repeated values: the id breaks ties
                        "created_at": START + dt.timedelta(minutes=n // 3),
                    }
                    for n in range(ROWS)
                ],
            )
            await connection.execute(text("ANALYZE"))
        yield engine
        await engine.dispose()


def pagination(sort: SortKey | None, cursor: str | None = None) -> Pagination:
    request = Request({"type": "http", "path": "/items", "query_string": b"", "headers": []})
    return Pagination(
        request=request,
        response=Response(),
        limit=50,
        cursor=cursor,
        sort=sort,
        updated_since=None,
    )


def some_cursor(sort: SortKey) -> str:
    value: Any = "title 40" if sort.name == "title" else (START + dt.timedelta(hours=5)).isoformat()
    if sort.column is Item.id:
        value = str(uuid.UUID(int=5000))
    return _encode(
        {
            "s": ("-" if sort.descending else "") + sort.name,
            "v": value,
            "id": str(uuid.UUID(int=5000)),
        }
    )


async def plan(engine: AsyncEngine, statement: Select[Any]) -> str:
    """The database's plan for `statement`, its parameters inlined as literals (what the
    planner sees either way: PostgreSQL plans a first execution with the values)."""
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    async with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            rows = await connection.exec_driver_sql(f"EXPLAIN {sql}")
            return "\n".join(row[0] for row in rows)
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(row[-1] for row in rows)


CASES = [
    pytest.param(SortKey("created_at", Item.created_at, False), None, id="created_at"),
    pytest.param(SortKey("created_at", Item.created_at, True), None, id="-created_at"),
    pytest.param(SortKey("title", Item.title, False), uuid.UUID(int=3), id="parent+title"),
    pytest.param(SortKey("title", Item.title, True), uuid.UUID(int=3), id="parent+-title"),
    pytest.param(SortKey("id", Item.id, False), None, id="id"),
    pytest.param(SortKey("id", Item.id, True), None, id="-id"),
]


@pytest.mark.parametrize(("sort", "parent"), CASES)
async def test_the_cursor_bound_is_an_index_seek(
    engine: AsyncEngine, sort: SortKey, parent: uuid.UUID | None
) -> None:
    statement = select(Item)
    if parent is not None:
        statement = statement.where(Item.parent_id == parent)
    page, _ = pagination(sort, some_cursor(sort)).statement(statement, id_column=Item.id)
    explained = await plan(engine, page)
    column = sort.column.key
    sign = "<" if sort.descending else ">"
    if engine.dialect.name == "postgresql":
        assert "Index Scan" in explained, explained
        assert "Sort" not in explained, explained  # the index gives the order
        # `ROW((title)::text, id) > ROW(...)`: a varchar column is compared as text.
        bound = (
            rf"\(id {sign} "
            if column == "id"
            else rf"ROW\(\(?{column}\)?(::text)?, id\) \{sign} ROW\("
        )
        assert re.search(bound, explained.split("Index Cond:", 1)[-1]), explained
        if sort.descending:
            assert "Index Scan Backward" in explained, explained
    else:
        assert explained.startswith("SEARCH plan_item USING"), explained
        assert "TEMP B-TREE" not in explained, explained  # the index gives the order
        bound = f"id{sign}?)" if column == "id" else f"({column},id){sign}(?,?))"
        assert bound in explained, explained
        if parent is not None:
            assert "(parent_id=? AND" in explained, explained


@pytest.mark.parametrize(("sort", "parent"), CASES)
async def test_every_row_once_in_order(
    engine: AsyncEngine, sort: SortKey, parent: uuid.UUID | None
) -> None:
    statement = select(Item)
    if parent is not None:
        statement = statement.where(Item.parent_id == parent)
    seen: list[Item] = []
    cursor: str | None = None
    async with AsyncSession(engine) as session:
        expected = len((await session.scalars(statement)).all())
        while True:
            page = await pagination(sort, cursor).rows(session, statement, id_column=Item.id)
            seen.extend(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
    keys = [(getattr(item, sort.column.key), item.id) for item in seen]
    assert len(set(keys)) == len(keys) == expected
    assert keys == sorted(keys, reverse=sort.descending)
