"""One value shape per column type, whichever way the record arrived: a live row carries
Python values (datetime, UUID, Decimal, StrEnum), a history snapshot their JSON forms (ISO
strings, str ids, enum values). Normalising both here keeps the two modes' files identical."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Iterable
from typing import Any

# Multi-valued cells (tags, stakeholder ids) in one flat column: values joined by this.
LIST_SEPARATOR = ";"


def text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def an_id(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def moment(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    # Every stored timestamp is UTC; a naive one (SQLite) is UTC too.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def day(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    return dt.date.fromisoformat(str(value))


def number(value: Any) -> decimal.Decimal | None:
    if value is None or isinstance(value, decimal.Decimal):
        return value
    return decimal.Decimal(str(value))


def integer(value: Any) -> int | None:
    return None if value is None else int(value)


def flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def joined(values: Iterable[Any] | None) -> str:
    """A JSON list as one cell; an empty list is an empty string."""
    return LIST_SEPARATOR.join(str(item) for item in values or ())
