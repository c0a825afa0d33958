"""Small SQL helpers this service's repositories share (portable across SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB


def json_array_contains(column: Any, value: str, *, dialect: str) -> ColumnElement[bool]:
    """`value` is one of the strings in the JSON array `column`.

    PostgreSQL uses JSONB containment (`@>`, index-friendly); SQLite has no containment operator,
    so it asks `json_each` whether any element equals the value."""
    if dialect == "postgresql":
        return type_coerce(column, JSONB).contains(literal([value], JSONB))
    elements = func.json_each(column).table_valued("value")
    return exists(select(literal(1)).select_from(elements).where(elements.c.value == value))


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
