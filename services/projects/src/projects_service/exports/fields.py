"""A dataset's columns declared with how each value is read from a record, so the dictionary,
the header and every row come from one list and cannot disagree on order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from projects_service.exports import values
from projects_service.exports.scope import Query
from projects_service.exports.sources import Record
from shared.exports.catalog import Column, ColumnType, ExportContext, Row
from shared.exports.rendered import Unrenderable, joined_list


@dataclass(frozen=True)
class Field:
    column: Column
    # The record's key (live select label, snapshot column key).
    key: str
    read: Callable[[Any], Any]


def uuid_(name: str, description: str, *, key: str | None = None, required: bool = False) -> Field:
    column = Column(name, ColumnType.STRING, description, format="uuid", required=required)
    return Field(column, key or name, values.an_id)


def text(name: str, description: str, *, key: str | None = None, required: bool = False) -> Field:
    return Field(
        Column(name, ColumnType.STRING, description, required=required), key or name, values.text
    )


def enum(
    name: str,
    description: str,
    members: type[StrEnum],
    *,
    key: str | None = None,
    required: bool = False,
) -> Field:
    column = Column(
        name,
        ColumnType.STRING,
        description,
        enum=tuple(member.value for member in members),
        required=required,
    )
    return Field(column, key or name, values.text)


def moment(name: str, description: str, *, required: bool = False) -> Field:
    return Field(
        Column(name, ColumnType.DATETIME, description, required=required), name, values.moment
    )


def day(name: str, description: str, *, required: bool = False) -> Field:
    return Field(Column(name, ColumnType.DATE, description, required=required), name, values.day)


def number(name: str, description: str, *, required: bool = False) -> Field:
    return Field(
        Column(name, ColumnType.NUMBER, description, required=required), name, values.number
    )


def integer(name: str, description: str, *, required: bool = False) -> Field:
    return Field(
        Column(name, ColumnType.INTEGER, description, required=required), name, values.integer
    )


def flag(name: str, description: str, *, required: bool = False) -> Field:
    return Field(
        Column(name, ColumnType.BOOLEAN, description, required=required), name, values.flag
    )


def listed(name: str, description: str) -> Field:
    described = f"{description} Several values are joined by `{values.LIST_SEPARATOR}`."
    return Field(Column(name, ColumnType.STRING, described), name, values.joined)


def stamps() -> tuple[Field, Field]:
    return (
        moment("created_at", "When the row was created (UTC).", required=True),
        moment("updated_at", "When the row last changed (UTC).", required=True),
    )


def columns(fields: Sequence[Field]) -> tuple[Column, ...]:
    return tuple(field.column for field in fields)


def row_reader(fields: Sequence[Field]) -> Callable[[Record], Row]:
    """`to_row` for these fields: one value per column, in column order."""
    readers = tuple((field.key, field.read) for field in fields)

    def to_row(record: Record) -> Row:
        return [read(record.get(key)) for key, read in readers]

    return to_row


# Readers that pass a live value through unchanged in kind (the writers format it): a column
# read by one of them is rendered by the database as the writers would write it.
_AS_STORED = frozenset(
    {
        values.text,
        values.an_id,
        values.moment,
        values.day,
        values.number,
        values.integer,
        values.flag,
    }
)


def rendered_select(
    fields: Sequence[Field], statement: Callable[[ExportContext], Query]
) -> Callable[[ExportContext], Query]:
    """A dataset's `select` for the engine's SQL-rendered path: the live `statement` (same
    filters, same order) with its columns in field order and lists joined in SQL, so the
    database writes what `row_reader(fields)` would give the writers."""

    def live(ctx: ExportContext) -> Query:
        query = statement(ctx)
        selected = query.selected_columns
        dialect = ctx.connection.dialect.name
        columns: list[Any] = []
        for field in fields:
            if field.key not in selected:
                raise Unrenderable(f"{field.key}: not in the live select")
            column = selected[field.key]
            if field.read is values.joined:
                column = joined_list(column, values.LIST_SEPARATOR, dialect).label(field.key)
            elif field.read not in _AS_STORED:
                raise Unrenderable(f"{field.key}: read by {field.read.__name__}")
            columns.append(column)
        return query.with_only_columns(*columns, maintain_column_froms=True)

    return live
