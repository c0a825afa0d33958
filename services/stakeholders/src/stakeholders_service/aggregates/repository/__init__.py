"""Aggregates: the queries (`portfolio`: over a set of projects; `project`: one at a date)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def dialect_of(session: AsyncSession) -> str:
    """The session's dialect name, which `shared.id_sets.in_id_set` and JSON lists need."""
    return session.get_bind().dialect.name


class unindexed(FunctionElement[Any]):
    """The column, with its index kept out of SQLite's plan (SQLite's unary `+`; PostgreSQL
    plans by cost and reads it as the plain column). For a membership test against thousands
    of ids, where SQLite would otherwise drive the whole query from the id list through the
    index, one random lookup per row, instead of from the period's engagements."""

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"
