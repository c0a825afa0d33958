"""A record's values in one shape whichever way it arrived: a live row carries Python values
(datetime, UUID, StrEnum), a history snapshot their JSON forms (ISO strings, str ids, enum
values). Every service's `to_row` reads both through these, so a live export and an `as_of`
export of the same row give the same cells."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any


def as_uuid(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def as_datetime(value: Any) -> dt.datetime | None:
    """An aware UTC datetime; a naive one (SQLite) is UTC too."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def as_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    return dt.date.fromisoformat(str(value))


def enum_text(value: Any) -> str | None:
    """An enumeration as its API string (live rows hold the enum, snapshots its value)."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)
