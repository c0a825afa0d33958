"""Privacy: helpers every privacy rule uses (calendar months, defaulted instants, row copies)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from shared.changes import to_jsonable


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later, or the month's last day when it has no such day (ICO)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def aware(value: dt.datetime | None, default: dt.datetime) -> dt.datetime:
    """`value` in UTC when naive, or `default` when absent."""
    if value is None:
        return default
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def snapshot_fields(entity: Any) -> dict[str, Any]:
    """Every column of an ORM row, by name."""
    return {column.key: getattr(entity, column.key) for column in entity.__table__.columns}


def plain(entity: Any) -> dict[str, Any]:
    """Every column of an ORM row as JSON values."""
    return {key: to_jsonable(value) for key, value in snapshot_fields(entity).items()}
