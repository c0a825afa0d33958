"""One value formatting for both modes: live rows (Python values) and outbox snapshots (JSON
values: ISO strings, str UUIDs, enum values) become the same cells, so an `as_of` export and a
live one of the same row are identical."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from shared.exports.catalog import Column, ColumnType, Row
from shared.exports.values import as_datetime, as_datetime as moment

__all__ = ["as_uuid", "cell", "enum_values", "moment", "to_row", "uuid_column"]

# Lists of short strings (tags, names) in one cell: a separator none of them is expected to hold.
LIST_SEPARATOR = "; "


def enum_values(kind: type[enum.Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in kind)


def _string(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(item) for item in value)
    return str(value)


def cell(kind: ColumnType, value: Any) -> Any:
    """`value` as the cell of a column of this type (None stays None)."""
    if value is None:
        return None
    if kind is ColumnType.DATETIME:
        return as_datetime(value)
    if kind is ColumnType.DATE:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    if kind is ColumnType.BOOLEAN:
        return bool(value)
    if kind is ColumnType.INTEGER:
        return int(value)
    if kind is ColumnType.NUMBER:
        return float(value)
    return _string(value)


def to_row(columns: Iterable[Column], record: Mapping[str, Any]) -> Row:
    """The record's values in column order, by column name."""
    return [cell(column.type, record.get(column.name)) for column in columns]


def uuid_column(name: str, description: str, *, required: bool = False) -> Column:
    return Column(name, ColumnType.STRING, description, format="uuid", required=required)


def as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
