"""Request types shared by every service: UTC datetimes, bounded dates and integers, strict JSON
scalars and the base model for request bodies.

FastAPI validates a body as the Python objects `json.loads` returned, where pydantic's lax mode
turns `"yes"` into `True`, `"5"` into `5` and `1700000000` into a datetime. These types accept
exactly what JSON carries for each kind (a boolean, an integer, an RFC 3339 string), with bounds
the database columns hold, so a value the server cannot store is a 422 and never a 500.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from dataclasses import dataclass
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    Strict,
    StrictBool,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# Years as written. The upper datetime bound leaves a day of room, so any UTC offset normalises
# inside Python's (and SQLite's text) range; PostgreSQL holds far more. 1900 keeps date arithmetic
# such as "as_of minus N days" clear of year 1.
MIN_YEAR: Final = 1900
MAX_DATETIME_YEAR: Final = 9998
MAX_DATE_YEAR: Final = 9999

# ECMA-262 patterns for the OpenAPI document, equal to what the parsers below accept.
_YEAR_TO_9998 = r"(19\d{2}|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-8])"
_YEAR_TO_9999 = r"(19\d{2}|[2-9]\d{3})"
_TIME = r"[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?"
_OFFSET = r"([Zz]|[+-]\d{2}:\d{2})"
DATETIME_PATTERN: Final = rf"^{_YEAR_TO_9998}-\d{{2}}-\d{{2}}{_TIME}{_OFFSET}$"
DATE_PATTERN: Final = rf"^{_YEAR_TO_9999}-\d{{2}}-\d{{2}}$"

_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))"
)
_NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")

INT32_MIN: Final = -(2**31)
INT32_MAX: Final = 2**31 - 1
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
SAFE_INTEGER_MAX: Final = 2**53 - 1


def _datetime_error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message)


def _check_year(year: int, upper: int) -> None:
    if not MIN_YEAR <= year <= upper:
        raise _datetime_error("year_out_of_range", f"The year must be {MIN_YEAR} to {upper}.")


def parse_utc_datetime(value: object) -> dt.datetime:
    """An RFC 3339 string (or an aware datetime from Python callers) as a UTC datetime."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise _datetime_error("datetime_naive", "The date-time must include a UTC offset.")
        _check_year(value.year, MAX_DATETIME_YEAR)
        return value.astimezone(dt.UTC)
    if not isinstance(value, str):
        raise _datetime_error("datetime_type", "Use an RFC 3339 date-time string.")
    match = _RFC3339.fullmatch(value)
    if match is None:
        if _NAIVE.fullmatch(value):
            raise _datetime_error("datetime_naive", "The date-time must include a UTC offset.")
        raise _datetime_error(
            "datetime_format", "Use an RFC 3339 date-time, e.g. 2026-01-31T09:30:00Z."
        )
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    _check_year(int(year), MAX_DATETIME_YEAR)
    try:
        if zulu:
            zone = dt.UTC
        else:
            offset = dt.timedelta(hours=int(off_h), minutes=int(off_m))
            if int(off_m) > 59 or offset >= dt.timedelta(hours=24):
                raise ValueError("offset out of range")
            zone = dt.timezone(-offset if sign == "-" else offset)
        parsed = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=zone,
        )
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise _datetime_error("datetime_value", "The date-time does not exist.") from exc


def parse_date(value: object) -> dt.date:
    """A `YYYY-MM-DD` string (or a date from Python callers) as a date."""
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
        raise _datetime_error("date_type", "Use a date string, e.g. 2026-01-31.")
    if isinstance(value, dt.date):
        _check_year(value.year, MAX_DATE_YEAR)
        return value
    match = _ISO_DATE.fullmatch(value)
    if match is None:
        raise _datetime_error("date_format", "Use a date string, e.g. 2026-01-31.")
    _check_year(int(match.group(1)), MAX_DATE_YEAR)
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError as exc:
        raise _datetime_error("date_value", "The date does not exist.") from exc


@dataclass(frozen=True)
class ColumnRange:
    """The range a database integer column holds: a 422 outside it, and `minimum`/`maximum` in
    the JSON schema unless the field declares narrower bounds of its own."""

    low: int
    high: int

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if "minimum" not in json_schema and "exclusiveMinimum" not in json_schema:
            json_schema["minimum"] = self.low
        if "maximum" not in json_schema and "exclusiveMaximum" not in json_schema:
            json_schema["maximum"] = self.high
        return json_schema

    def _check(self, value: int) -> int:
        if not self.low <= value <= self.high:
            raise PydanticCustomError(
                "int_out_of_range",
                "The integer must be between {low} and {high}.",
                {"low": self.low, "high": self.high},
            )
        return value


@dataclass(frozen=True)
class NumberOnly:
    """A decimal from a JSON number only: pydantic would also take any numeric string (and
    documents `{"type": "string"}` without saying which). Put it after the field's bounds."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(_json_number, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        numbers = [s for s in json_schema.get("anyOf", []) if s.get("type") == "number"]
        if numbers:
            json_schema.pop("anyOf")
            json_schema.update(numbers[0])
        return json_schema


def _json_number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        raise PydanticCustomError("number_type", "Use a JSON number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "Use a finite number.")
    return value


def _query_bool(value: object) -> object:
    # A query string carries text: exactly `true` or `false`, as OpenAPI clients serialise them.
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise PydanticCustomError("bool_query", "Use `true` or `false`.")
        return value == "true"
    return value


UtcDateTime = Annotated[
    dt.datetime,
    Strict(),
    BeforeValidator(parse_utc_datetime),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": DATETIME_PATTERN,
            "description": f"RFC 3339 with a UTC offset (`Z` or `±hh:mm`), years {MIN_YEAR} to "
            f"{MAX_DATETIME_YEAR}; stored and returned in UTC.",
        },
        mode="validation",
    ),
]
"""An aware instant: naive and out-of-range values are 422, the value is normalised to UTC."""

Date = Annotated[
    dt.date,
    Strict(),
    BeforeValidator(parse_date),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": DATE_PATTERN}, mode="validation"
    ),
]
"""A calendar date `YYYY-MM-DD`, years 1900 to 9999."""

Int32 = Annotated[int, Strict(), ColumnRange(INT32_MIN, INT32_MAX)]
"""A JSON integer an INTEGER column holds (PostgreSQL `integer`). Narrow it with
`= Field(ge=..., le=...)` on the field (inside `Annotated[...]` the JSON schema would lose it)."""
NonNegativeInt32 = Annotated[int, Strict(), ColumnRange(0, INT32_MAX)]
SafeInt = Annotated[int, Strict(), ColumnRange(-SAFE_INTEGER_MAX, SAFE_INTEGER_MAX)]
"""A JSON integer every client reads exactly (±(2^53 - 1), as in JavaScript), so also one a
BIGINT column holds. (FastAPI documents bounds as floats: 2^63 - 1 would read as 2^63.)"""
Float = Annotated[float, Strict(), Field(allow_inf_nan=False)]
"""A finite JSON number (an integer is a number too)."""
Bool = StrictBool
"""`true` or `false`, never `"yes"` or `1`."""

QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
"""A boolean query parameter: `true` or `false` only."""


class InputModel(BaseModel):
    """Base of every request body: unknown fields are 422. Fields use the strict types above
    (plain `str`, UUIDs and enums already accept only JSON strings)."""

    model_config = ConfigDict(extra="forbid")


def drop_default(schema: dict[str, Any]) -> None:
    """`json_schema_extra` for a merge-patch field that may be omitted but never null: its
    `default: null` would tell clients otherwise."""
    schema.pop("default", None)


__all__ = [
    "DATETIME_PATTERN",
    "DATE_PATTERN",
    "Bool",
    "ColumnRange",
    "Date",
    "Float",
    "InputModel",
    "Int32",
    "NonNegativeInt32",
    "NumberOnly",
    "QueryBool",
    "SafeInt",
    "UtcDateTime",
    "drop_default",
    "omittable",
    "parse_date",
    "parse_utc_datetime",
]


def omittable(**constraints: Any) -> Any:
    """A merge-patch field the server never clears: it may be omitted, and `null` is a 422
    (the schema says so: no `null` type and no `default: null`)."""
    return Field(None, json_schema_extra=drop_default, **constraints)
