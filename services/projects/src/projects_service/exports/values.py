"""One value shape per column type, whichever way the record arrived: a live row carries
Python values (datetime, UUID, Decimal, StrEnum), a history snapshot their JSON forms (ISO
strings, str ids, enum values). Normalising both here keeps the two modes' files identical."""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from typing import Any

from shared.exports.values import (
    as_date as day,
    as_datetime as moment,
    as_uuid as an_id,
    enum_text as text,
)

__all__ = ["an_id", "day", "flag", "integer", "joined", "moment", "number", "text"]

# Multi-valued cells (tags, stakeholder ids) in one flat column: values joined by this.
LIST_SEPARATOR = ";"


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
