"""in_id_set: one bound parameter for any number of ids, the same rows as IN on both databases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import Column, MetaData, Table, Uuid, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.id_sets import in_id_set
from shared.testing import empty_database

METADATA = MetaData()
THINGS = Table("id_set_things", METADATA, Column("id", Uuid, primary_key=True))


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    async with empty_database("shared", "id_sets") as url:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(METADATA.create_all)
        try:
            yield engine
        finally:
            await engine.dispose()


async def test_the_same_rows_as_in_with_one_parameter_for_70000_ids(engine: AsyncEngine) -> None:
    stored = [uuid.uuid4() for _ in range(300)]
    async with engine.begin() as connection:
        await connection.execute(THINGS.insert(), [{"id": i} for i in stored])
        asked = set(stored[::3]) | {uuid.uuid4() for _ in range(70_000)}
        statement = select(THINGS.c.id).where(
            in_id_set(THINGS.c.id, asked, dialect=connection.dialect.name)
        )
        compiled = statement.compile(connection.engine)
        assert len(compiled.params) == 1
        found = set((await connection.execute(statement)).scalars())
    assert found == set(stored[::3])


async def test_an_empty_set_matches_nothing(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(THINGS.insert(), [{"id": uuid.uuid4()}])
        statement = select(THINGS.c.id).where(
            in_id_set(THINGS.c.id, [], dialect=connection.dialect.name)
        )
        assert list((await connection.execute(statement)).scalars()) == []
