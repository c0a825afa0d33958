"""Free-text `?q=`: a case-insensitive substring match on a list's text columns, answered by a
text index instead of a table scan (SQLite FTS5 with the trigram tokenizer, PostgreSQL pg_trgm
GIN indexes), both created by the owning service's migrations.

A term is matched literally: `%` and `_` are characters, not wildcards. A term shorter than
three characters has no trigram to look up, so it is matched by a scan (`ILIKE`), which gives
the same rows (on SQLite, whose `lower()` knows only ASCII, the index also folds other
letters' case: `é` finds `É`).

The SQLite index is an FTS5 table `search_<table>` whose rowid is the `doc` of a key table
`search_<table>_key (doc INTEGER PRIMARY KEY, id UNIQUE)`, both kept by triggers on the table:
the searched tables have UUID keys, and an implicit SQLite rowid is not stable (VACUUM may
renumber it), so the FTS rows cannot point at the table's own rowid. PostgreSQL has one
trigram index `ix_search_<table>` on the columns joined into one text (`TextSearch.document`).
`migrations.py` leaves these names out of alembic's model comparison: no model declares them.

Services search through `TextSearch.condition` (planned per term: on SQLite a probe decides
between looking up the hits and scanning in the list's order); `matches` is the plain clause.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from string import Template
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

MIN_INDEXED = 3  # the trigram tokenizer's token length
SAMPLE = 8  # trigrams a long term is looked up by (`trigram_sample`)
# A term with at least this many hits is common (`TextSearch.condition`): a scan in the list's
# order reads about 51 x rows / hits rows, a lookup about `hits`, so they cost the same near
# sqrt(15 x rows) hits; rows / 40 within these bounds follows that within 2x from 5,000 to
# 1,000,000 rows (measured per row and per hit in bench/RESULTS.md), and bounds the bound list.
PROBE_MIN = 64
PROBE_MAX = 2_000
ROWS_PER_PROBE_HIT = 40
PREFIX = "search_"
SEPARATOR = "\x1f"  # between columns in the PostgreSQL document; chr(31)
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def escape_like(term: str) -> str:
    """`term` as a LIKE pattern matching itself anywhere, backslash-escaped (PostgreSQL's
    default LIKE escape; SQLite is told with ESCAPE)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def fts_phrase(term: str) -> str:
    """`term` as an FTS5 phrase: with the trigram tokenizer a phrase is a substring match."""
    return '"' + term.replace('"', '""') + '"'


def trigram_sample(term: str) -> list[str] | None:
    """What a long term is looked up by instead of its whole phrase (None: the phrase itself).

    FTS5 reads the doclist of every trigram of a phrase, so a phrase of 60 characters reads 58,
    among them the commonest (`ent`, `ing`): 4-6 ms on 10,000 rows (bench/RESULTS.md). Up to
    `SAMPLE` non-overlapping trigrams from the term's longest words, which are the most
    selective, find a superset of the rows in 0.2-0.5 ms; the caller checks each against the
    whole term. Only for an ASCII term: that check is a `LIKE`, which on SQLite folds ASCII case
    only, so a term beyond ASCII keeps the phrase and the index's own folding."""
    if len(term) - 2 <= SAMPLE or not term.isascii():
        return None
    words = sorted(re.findall(r"\w{3,}", term), key=len, reverse=True)
    sample = list(dict.fromkeys(w[i : i + 3] for w in words for i in range(0, len(w) - 2, 3)))
    return sample[:SAMPLE] if len(sample) >= 2 else None


def _indexed(term: str) -> bool:
    """Whether the text index can answer `term` (else a scan does): it has a trigram, and does
    not hold the separator the PostgreSQL document joins columns with."""
    return len(term) >= MIN_INDEXED and SEPARATOR not in term


def fts_query(term: str) -> str:
    """The FTS5 query for `term`: its phrase, or the AND of its trigram sample."""
    sample = trigram_sample(term)
    return fts_phrase(term) if sample is None else " AND ".join(map(fts_phrase, sample))


@dataclass(frozen=True)
class TextSearch:
    """The searched columns of one table (ORM attributes) and its id column."""

    table: str
    id_column: Any
    columns: tuple[Any, ...]

    @property
    def fts_table(self) -> str:
        return f"{PREFIX}{self.table}"

    @property
    def key_table(self) -> str:
        return f"{PREFIX}{self.table}_key"

    def document(self) -> ColumnElement[str]:
        """The searched columns as one text, as PostgreSQL's trigram index holds it: NULL as
        empty, columns joined by U+001F, which no term matches across (a term holding it is
        matched column by column)."""
        parts = [func.coalesce(column_, literal_column("''")) for column_ in self.columns]
        joined: ColumnElement[Any] = parts[0]
        for part in parts[1:]:
            joined = joined.op("||")(literal_column("chr(31)")).op("||")(part)
        return joined

    def _scan(self, term: str) -> ColumnElement[bool]:
        pattern = escape_like(term)
        # `ESCAPE '\\'`: SQLite has no default LIKE escape; PostgreSQL's is the same backslash.
        return or_(*(column_.ilike(pattern, escape="\\") for column_ in self.columns))

    def _fts(self) -> Any:
        return table(self.fts_table, column("rowid"))

    def _key(self) -> Any:
        return table(self.key_table, column("doc"), column("id"))

    def _hits(self, term: str) -> Select[Any]:
        """The FTS5 rows for `term`: its phrase, or its trigram sample (a superset)."""
        return select(self._fts().c.rowid).where(self._match(literal(fts_query(term))))

    def _match(self, query: ColumnElement[str]) -> ColumnElement[bool]:
        return literal_column(self.fts_table).op("MATCH")(query)

    def _looked_up(self, term: str, docs: Any) -> ColumnElement[bool]:
        """Rows whose FTS5 document is in `docs` (a subquery), checked against the whole term
        where the lookup was by a sample."""
        key = self._key()
        lookup = self.id_column.in_(select(key.c.id).where(key.c.doc.in_(docs)))
        return lookup if trigram_sample(term) is None else and_(lookup, self._scan(term))

    @cached_property
    def _probe(self) -> Select[Any]:
        """Up to the probe limit of a query's hits, each with that limit; built once."""
        rows_estimate = func.coalesce(func.max(self._key().c.doc), 0)  # the key's rowid: O(log n)
        per_probe = rows_estimate.op("/")(literal(ROWS_PER_PROBE_HIT))  # integer division
        limit = select(func.max(PROBE_MIN, func.min(PROBE_MAX, per_probe))).scalar_subquery()
        return (
            select(self._fts().c.rowid, limit)
            .where(self._match(bindparam("query", type_=String())))
            .limit(limit)
        )

    def matches(self, term: str) -> ColumnElement[bool]:
        """Rows whose searched columns contain `term`, ignoring case, on any database: the
        clause compiles to the FTS5 lookup on SQLite and to an `ILIKE` on the document (which
        the trigram index serves) elsewhere, so callers need not know the dialect."""
        if not _indexed(term):
            return self._scan(term)
        indexed = self.document().ilike(escape_like(term), escape="\\")
        return _ByDialect(sqlite=self._looked_up(term, self._hits(term)), other=indexed)

    async def condition(self, session: AsyncSession, term: str) -> ColumnElement[bool]:
        """`matches(term)`, planned for this term: what PostgreSQL's planner does with its
        statistics, done here for SQLite, which has none for an FTS5 table.

        SQLite drove the page from the FTS5 hits: all of them collected, then sorted, so a
        common word cost in proportion to its hits (2,638 for `patient` in 20,000 stakeholders:
        5.5x the default page). One probe reads at most `_probe`'s limit of hits, which FTS5
        yields lazily. Fewer: the page looks up exactly those (one JSON parameter). As many: the
        term is common, and the page scans the list in its own order with `LIKE`, stopping at a
        page, which a common term fills early. A term beyond ASCII keeps the lookup (`LIKE`
        folds ASCII case only). PostgreSQL, and a term too short for the index, get `matches`."""
        if session.get_bind().dialect.name != "sqlite" or not _indexed(term):
            return self.matches(term)
        connection = await session.connection()
        rows = (await connection.execute(self._probe, {"query": fts_query(term)})).all()
        if not rows:
            return false()
        if len(rows) < rows[0][1]:
            docs = json.dumps([row[0] for row in rows])
            members = func.json_each(literal(docs)).table_valued("value")
            return self._looked_up(term, select(literal_column("value")).select_from(members))
        return self._scan(term) if term.isascii() else self.matches(term)


class _ByDialect(ColumnElement[bool]):
    """A condition written two ways: `sqlite` compiled on SQLite, `other` elsewhere. Both are
    part of the cache key, so a cached statement gets each execution's own search term."""

    inherit_cache = True
    type = Boolean()
    # A condition as it stands: without this SQLite would get `(...) = 1`, which no index serves.
    _is_implicitly_boolean = True
    _traverse_internals = [
        ("sqlite", InternalTraversal.dp_clauseelement),
        ("other", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, *, sqlite: ColumnElement[bool], other: ColumnElement[bool]) -> None:
        self.sqlite = sqlite
        self.other = other

    @property
    def _from_objects(self) -> list[Any]:
        return list(self.other._from_objects)


@compiles(_ByDialect)
def _compile_other(element: _ByDialect, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.other, **kw)


@compiles(_ByDialect, "sqlite")
def _compile_sqlite(element: _ByDialect, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.sqlite, **kw)


# -- DDL, for the migrations ---------------------------------------------------------------------
# What these write is schema history: a migration that ran them must keep getting the same
# statements, so change them only by adding new functions. Templates rather than f-strings:
# every name substituted is a checked identifier (`_names`), never a value.

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER ${fts}_insert AFTER INSERT ON $table BEGIN "
    "INSERT INTO $key (id) VALUES (new.id); "
    "INSERT INTO $fts (rowid, $names) "
    "VALUES ((SELECT doc FROM $key WHERE id = new.id), $new); END",
    "CREATE TRIGGER ${fts}_update AFTER UPDATE OF $names ON $table BEGIN "
    "UPDATE $fts SET $assign WHERE rowid = (SELECT doc FROM $key WHERE id = old.id); END",
    "CREATE TRIGGER ${fts}_delete AFTER DELETE ON $table BEGIN "
    "DELETE FROM $fts WHERE rowid = (SELECT doc FROM $key WHERE id = old.id); "
    "DELETE FROM $key WHERE id = old.id; END",
)
_SQLITE_CREATE = (
    "CREATE TABLE $key (doc INTEGER PRIMARY KEY, id CHAR(32) NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE $fts USING fts5($names, tokenize = 'trigram')",
    "INSERT INTO $key (id) SELECT id FROM $table ORDER BY id",
    "INSERT INTO $fts (rowid, $names) "
    "SELECT k.doc, $source FROM $table AS t JOIN $key AS k ON k.id = t.id",
)
_SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS ${fts}_insert",
    "DROP TRIGGER IF EXISTS ${fts}_update",
    "DROP TRIGGER IF EXISTS ${fts}_delete",
    "DROP TABLE IF EXISTS $fts",
    "DROP TABLE IF EXISTS $key",
)


def _names(table_name: str, columns: tuple[str, ...]) -> dict[str, str]:
    """The names the templates take; only plain lower-case identifiers are accepted."""
    for name in (table_name, *columns):
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not a plain identifier: {name!r}")
    return {
        "table": table_name,
        "fts": f"{PREFIX}{table_name}",
        "key": f"{PREFIX}{table_name}_key",
        "names": ", ".join(columns),
        "new": ", ".join(f"new.{name}" for name in columns),
        "assign": ", ".join(f"{name} = new.{name}" for name in columns),
        "source": ", ".join(f"t.{name}" for name in columns),
    }


def _render(templates: tuple[str, ...], names: dict[str, str]) -> list[str]:
    return [Template(template).substitute(names) for template in templates]


def sqlite_triggers(table_name: str, columns: tuple[str, ...]) -> list[str]:
    """The triggers keeping `search_<table>` in step with the table. A batch migration that
    re-creates the table (SQLite ALTER by copy) drops them: re-create them after it."""
    return _render(_SQLITE_TRIGGERS, _names(table_name, columns))


def create_sqlite_search(table_name: str, columns: tuple[str, ...]) -> list[str]:
    """The FTS5 trigram table and its key table for `table_name` (whose `id` is a UUID stored
    as CHAR(32)), filled from the rows already there, and the triggers."""
    names = _names(table_name, columns)
    return _render(_SQLITE_CREATE + _SQLITE_TRIGGERS, names)


def drop_sqlite_search(table_name: str) -> list[str]:
    return _render(_SQLITE_DROP, _names(table_name, ()))


def _postgresql_document(columns: tuple[str, ...]) -> str:
    """`TextSearch.document()` as index DDL: the same expression, or the index serves nothing."""
    return " || chr(31) || ".join(f"coalesce({name}, '')" for name in columns)


def create_postgresql_search(table_name: str, columns: tuple[str, ...]) -> list[str]:
    """One pg_trgm GIN index on the columns joined (pg_trgm is a trusted extension: the
    database owner may create it; it is left in place on downgrade, other objects may use it).
    One index rather than one per column: a single index scan and one recheck per row, and a
    long term's many trigrams cost once, so the planner does not prefer a table scan."""
    _names(table_name, columns)
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f"CREATE INDEX ix_{PREFIX}{table_name} ON {table_name} "
        f"USING gin (({_postgresql_document(columns)}) gin_trgm_ops)",
    ]


def drop_postgresql_search(table_name: str, columns: tuple[str, ...]) -> list[str]:
    _names(table_name, columns)
    return [f"DROP INDEX IF EXISTS ix_{PREFIX}{table_name}"]


def create_search(dialect: str, table_name: str, columns: tuple[str, ...]) -> list[str]:
    """The statements creating `table_name`'s text index on `dialect`."""
    if dialect == "sqlite":
        return create_sqlite_search(table_name, columns)
    return create_postgresql_search(table_name, columns)


def drop_search(dialect: str, table_name: str, columns: tuple[str, ...]) -> list[str]:
    if dialect == "sqlite":
        return drop_sqlite_search(table_name)
    return drop_postgresql_search(table_name, columns)
