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
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from string import Template
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

MIN_INDEXED = 3  # the trigram tokenizer's token length
SAMPLE = 8  # trigrams a long term is looked up by (`trigram_sample`)
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

    def matches(self, term: str) -> ColumnElement[bool]:
        """Rows whose searched columns contain `term`, ignoring case, on any database: the
        clause compiles to the FTS5 lookup on SQLite and to an `ILIKE` on the document (which
        the trigram index serves) elsewhere, so callers need not know the dialect."""
        pattern = escape_like(term)
        # `ESCAPE '\\'`: SQLite has no default LIKE escape; PostgreSQL's is the same backslash.
        scan = or_(*(column_.ilike(pattern, escape="\\") for column_ in self.columns))
        if len(term) < MIN_INDEXED or SEPARATOR in term:
            return scan
        fts = table(self.fts_table, column("rowid"))
        key = table(self.key_table, column("doc"), column("id"))
        sample = trigram_sample(term)
        query = fts_phrase(term) if sample is None else " AND ".join(map(fts_phrase, sample))
        hits = select(fts.c.rowid).where(literal_column(self.fts_table).op("MATCH")(query))
        lookup: ColumnElement[bool] = self.id_column.in_(
            select(key.c.id).where(key.c.doc.in_(hits))
        )
        if sample is not None:  # candidates holding every sampled trigram: check the term
            lookup = and_(lookup, scan)
        indexed = self.document().ilike(pattern, escape="\\")
        return _ByDialect(sqlite=lookup, other=indexed)


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
