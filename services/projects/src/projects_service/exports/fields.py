"""A dataset's columns declared with how each value is read from a record, so the dictionary,
the header and every row come from one list and cannot disagree on order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from projects_service.exports import values
from projects_service.exports.sources import Record
from shared.exports.catalog import Column, ColumnType, Row


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
