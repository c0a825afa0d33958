"""`shared.search`: a `?q=` term matches the rows whose columns contain it, ignoring case, on the
text index the DDL helpers create (FTS5 trigram on SQLite, pg_trgm on PostgreSQL), which
triggers keep in step through inserts, updates and deletes; the index serves the query."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import String, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import IdMixin, create_engine, new_metadata
from shared.search import PROBE_MIN, TextSearch, create_search, drop_search, trigram_sample
from shared.testing import empty_database


class Base(DeclarativeBase):
    metadata = new_metadata()


class Doc(IdMixin, Base):
    __tablename__ = "doc"
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(String(2000))


SEARCH = TextSearch("doc", Doc.id, (Doc.title, Doc.summary))
TEXTS = {
    1: ("Virtual ward for COPD", "Introduce a virtual ward, and evaluate it."),
    2: ("Falls prevention", None),
    3: ("100% remote_monitoring", 'It\'s "quoted" and back\\slashed'),
    4: ("O'Brien pathway", "diabetes, heart failure"),
    5: ("Ab", "x"),
    6: ("École Hôpital", None),
}


def doc_id(number: int) -> uuid.UUID:
    return uuid.UUID(int=number)


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    async with empty_database("shared", "search") as url:
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            # Rows present before the index is created are indexed by it, as in a migration.
            await connection.execute(
                insert(Doc), [{"id": doc_id(1), "title": TEXTS[1][0], "summary": TEXTS[1][1]}]
            )
            for statement in create_search(connection.dialect.name, "doc", ("title", "summary")):
                await connection.execute(text(statement))
            await connection.execute(
                insert(Doc),
                [
                    {"id": doc_id(n), "title": title, "summary": summary}
                    for n, (title, summary) in TEXTS.items()
                    if n != 1
                ],
            )
        yield engine
        await engine.dispose()


async def found(engine: AsyncEngine, term: str) -> set[int]:
    async with engine.connect() as connection:
        rows = await connection.scalars(select(Doc.id).where(SEARCH.matches(term)))
        return {row.int for row in rows}


async def found_planned(engine: AsyncEngine, term: str) -> set[int]:
    """The same search through `TextSearch.condition`, as the services run it."""
    async with AsyncSession(engine) as session:
        condition = await SEARCH.condition(session, term)
        rows = await session.scalars(select(Doc.id).where(condition))
        return {row.int for row in rows}


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("virtual", {1}),  # in the title and the summary: one row
        ("VIRTUAL WARD", {1}),
        ("copd", {1}),
        ("ward,", {1}),  # across a word boundary, punctuation included
        ("evaluate", {1}),
        ("heart fail", {4}),
        ("o'brien", {4}),
        ("100%", {3}),  # `%` is a character, not a wildcard
        ("0% r", {3}),
        ("e_m", {3}),  # so is `_`
        ("%", {3}),
        ("_", {3}),
        ('"quoted"', {3}),
        ("back\\sl", {3}),
        ("ab", {4, 5}),  # below three characters: a scan, the same rule ("diabetes")
        ("a", {1, 2, 3, 4, 5, 6}),
        ("école", {6}),  # the index folds case beyond ASCII (PostgreSQL: by the locale)
        ("HÔPITAL", {6}),
        ("zzqx", set()),
        ("' OR 1=1 --", set()),
        ("ward for copd x", set()),
        ("COPD\x1fIntro", set()),  # never across two columns (the separator of the document)
        ("falls prevention\x1f", set()),
        # Longer than SAMPLE trigrams: looked up by a sample of them, then checked whole.
        ("introduce A VIRTUAL ward", {1}),
        ("virtual ward for COPD", {1}),
        ("ward virtual introduce", set()),  # every sampled trigram in the row, not the term
        ("Virtual ward for COPD Introduce", set()),  # the term across two columns
        ("Introduce a virtual ward, and evaluate it.", {1}),
        ("100% remote_monitoring", {3}),
        ("école hôpital", {6}),  # beyond ASCII: the whole phrase, folded by the index
    ],
)
async def test_case_insensitive_substring(
    engine: AsyncEngine, term: str, expected: set[int]
) -> None:
    assert await found(engine, term) == expected
    assert await found_planned(engine, term) == expected


async def test_the_index_follows_updates_and_deletes(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            update(Doc).where(Doc.id == doc_id(2)).values(title="Fall-prevention clinic")
        )
        await connection.execute(insert(Doc).values(id=doc_id(9), title="Clinic two"))
    assert await found(engine, "clinic") == {2, 9}
    assert await found(engine, "falls") == set()
    async with engine.begin() as connection:
        await connection.execute(delete(Doc).where(Doc.id == doc_id(9)))
        await connection.execute(update(Doc).where(Doc.id == doc_id(2)).values(summary="clinic"))
    assert await found(engine, "clinic") == {2}


async def test_a_search_uses_the_index(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        dialect = connection.dialect.name
        statement = select(Doc.id).where(SEARCH.matches("virtual"))
        # With its parameters bound as the service binds them (the search terms are strings).
        compiled = statement.compile(dialect=engine.dialect)
        if dialect == "postgresql":
            await connection.execute(text("SET LOCAL enable_seqscan = off"))  # 6 rows: cheap
            rows = await connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params)
            plan = "\n".join(r[0] for r in rows)
            assert "Bitmap Index Scan on ix_search_doc" in plan, plan
        else:
            params = tuple(compiled.params[name] for name in compiled.positiontup or ())
            rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
            plan = "\n".join(r[-1] for r in rows)
            # The FTS5 MATCH (`:M`) gives the ids, looked up in doc's id index: no scan of doc.
            assert re.search(r"SCAN search_doc VIRTUAL TABLE INDEX \d+:M", plan), plan
            assert "SEARCH doc USING" in plan and "SCAN doc" not in plan, plan


def test_a_long_term_is_looked_up_by_a_sample_of_its_trigrams() -> None:
    """Each sampled trigram is part of the term (so every matching row holds it), from its
    longest words first; a short term, or one beyond ASCII, keeps its whole phrase."""
    term = "Quinn voluntary community sector 123: learning disabilities team"
    sample = trigram_sample(term)
    assert sample == ["dis", "abi", "lit", "ies", "vol", "unt", "ary", "com"]
    assert all(trigram in term for trigram in sample)
    assert trigram_sample("patient") is None  # 5 trigrams: the phrase is cheaper
    assert trigram_sample("a b c d e f g h i j") is None  # no word to sample
    assert trigram_sample("Hôpital de la mère et de l'enfant") is None


async def test_a_long_term_uses_the_index(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            pytest.skip("the sample is SQLite's lookup; PostgreSQL's trigram index is planned")
        compiled = select(Doc.id).where(SEARCH.matches("introduce a virtual ward")).compile(engine)
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
        assert '"int" AND "rod" AND "uce" AND "vir" AND "tua" AND "war"' in params
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
        plan = "\n".join(r[-1] for r in rows)
        assert re.search(r"SCAN search_doc VIRTUAL TABLE INDEX \d+:M", plan), plan
        assert "SEARCH doc USING" in plan and "SCAN doc" not in plan, plan


async def test_a_common_term_scans_in_order_and_a_rare_one_looks_up_its_hits(
    engine: AsyncEngine,
) -> None:
    """On SQLite the probe decides: at least PROBE_MIN hits and the page scans the table in its
    own order (no FTS5 lookup left in the statement); fewer and it looks up exactly those."""
    async with engine.begin() as connection:
        await connection.execute(
            insert(Doc),
            [
                {"id": doc_id(1000 + n), "title": f"Community ward {n}", "summary": None}
                for n in range(PROBE_MIN)
            ],
        )
    try:
        async with AsyncSession(engine) as session:
            dialect = session.get_bind().dialect.name
            common = await SEARCH.condition(session, "community")
            rare = await SEARCH.condition(session, "virtual")
            none = await SEARCH.condition(session, "zzqx")
            common_ids = set(await session.scalars(select(Doc.id).where(common)))
            rare_ids = set(await session.scalars(select(Doc.id).where(rare)))
            assert set(await session.scalars(select(Doc.id).where(none))) == set()
        assert common_ids == {doc_id(1000 + n) for n in range(PROBE_MIN)}
        assert rare_ids == {doc_id(1)}
        if dialect == "sqlite":
            common_sql = str(select(Doc.id).where(common).compile(engine))
            rare_sql = str(select(Doc.id).where(rare).compile(engine))
            assert "MATCH" not in common_sql and "LIKE" in common_sql, common_sql
            assert "MATCH" not in rare_sql and "search_doc_key" in rare_sql, rare_sql
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(Doc).where(Doc.id >= doc_id(1000)))


async def test_drop_leaves_nothing(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        dialect = connection.dialect.name
    async with empty_database("shared", "search_drop") as url:
        other = create_engine(url)
        try:
            async with other.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
                for statement in create_search(dialect, "doc", ("title", "summary")):
                    await connection.execute(text(statement))
                for statement in drop_search(dialect, "doc", ("title", "summary")):
                    await connection.execute(text(statement))
                await connection.run_sync(Base.metadata.drop_all)
                if dialect == "sqlite":
                    left = await connection.scalars(text("SELECT name FROM sqlite_master"))
                else:
                    left = await connection.scalars(
                        text("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
                    )
                assert list(left) == []
        finally:
            await other.dispose()
