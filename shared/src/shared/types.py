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
# Significant digits every decimal keeps through a binary64 float (DBL_DIG).
FLOAT_DIGITS: Final = 15


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
    the JSON schema unless the field declares narrower bounds of its own. Also the way to narrow
    an optional integer: `Annotated[Int32, ColumnRange(1, 5)] | None` (a `Field(ge=..., le=...)`
    on the union is enforced but documented as unknown `ge`/`le` keys)."""

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
        # Narrow, never widen: `Annotated[Int32, ColumnRange(1, 5)]` documents 1-5.
        if "exclusiveMinimum" not in json_schema:
            json_schema["minimum"] = max(json_schema.get("minimum", self.low), self.low)
        if "exclusiveMaximum" not in json_schema:
            json_schema["maximum"] = min(json_schema.get("maximum", self.high), self.high)
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
        inner = handler(source)
        decimal_schema = _decimal_schema(inner)
        if decimal_schema is not None and decimal_schema.get("max_digits", 0) > FLOAT_DIGITS:
            # The body arrives as a JSON float: past 15 significant digits the number the client
            # wrote is not always the one the server reads, so the schema could not be exact.
            raise TypeError(f"NumberOnly decimals hold at most {FLOAT_DIGITS} digits")
        return core_schema.no_info_before_validator_function(_json_number, inner)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        numbers = [s for s in json_schema.get("anyOf", []) if s.get("type") == "number"]
        if numbers:
            json_schema.pop("anyOf")
            json_schema.update(numbers[0])
        decimal_schema = _decimal_schema(schema)
        if decimal_schema is not None:
            _document_digits(json_schema, decimal_schema)
        return json_schema


# What pydantic's `strip_whitespace` removes (Rust's `char::is_whitespace`, Unicode White_Space),
# (Not `\S`: ECMA's `\s` also holds U+FEFF and lacks U+0085.)
# (Not `\\S`: ECMA's `\\s` also holds U+FEFF and lacks U+0085.)
_STRIPPED: Final = r"\t\n\u000b\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK_PATTERN: Final = f"[^{_STRIPPED}]"


@dataclass(frozen=True)
class NotBlank:
    """Documents a `strip_whitespace=True, min_length=1` text as "has a non-space character": the
    schema's `minLength: 1` alone lets a client send `" "`, which stripping leaves empty."""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        # A pattern of its own would need both to match: `allOf` keeps each one whole.
        if "pattern" in json_schema:
            json_schema.setdefault("allOf", []).append({"pattern": NOT_BLANK_PATTERN})
        else:
            json_schema["pattern"] = NOT_BLANK_PATTERN
        return json_schema


def _decimal_schema(schema: Any) -> Any:
    # The decimal core schema under NumberOnly's own validator, if this is one.
    while isinstance(schema, dict):
        if schema.get("type") == "decimal":
            return schema
        schema = schema.get("schema")
    return None


def _document_digits(json_schema: JsonSchemaValue, decimal_schema: Any) -> None:
    """`maximum`/`minimum` from `max_digits` and `decimal_places`, `multipleOf` from the places:
    exactly the decimals the column holds (narrowing any bounds the field declares)."""
    places = decimal_schema.get("decimal_places")
    digits = decimal_schema.get("max_digits")
    if places is not None:
        json_schema["multipleOf"] = float(decimal.Decimal(1).scaleb(-places))
    if digits is not None:
        largest = decimal.Decimal(10) ** (digits - (places or 0)) - decimal.Decimal(1).scaleb(
            -(places or 0)
        )
        high, low = float(largest), float(-largest)
        json_schema["maximum"] = min(json_schema.get("maximum", high), high)
        json_schema["minimum"] = max(json_schema.get("minimum", low), low)


def _json_number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        raise PydanticCustomError("number_type", "Use a JSON number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "Use a finite number.")
    return value


def _json_integer(value: object) -> object:
    # JSON does not tell 1969 from 1969.0 (RFC 8259 has one number type; JSON Schema counts both
    # as integers), so an integral float is that integer. Anything else goes on to the strict
    # integer check, which refuses strings, booleans and fractions.
    if isinstance(value, float) and value.is_integer():
        return int(value)
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

JsonInt = Annotated[int, Strict(), BeforeValidator(_json_integer)]
"""A JSON integer: `5` or `5.0`, never `"5"`, `true` or `5.5`. Unbounded: use the types below."""
Int32 = Annotated[JsonInt, ColumnRange(INT32_MIN, INT32_MAX)]
"""A JSON integer an INTEGER column holds (PostgreSQL `integer`). Narrow it with
`= Field(ge=..., le=...)` on a required field, or `Annotated[Int32, ColumnRange(1, 5)]` (also
inside `| None`)."""
NonNegativeInt32 = Annotated[JsonInt, ColumnRange(0, INT32_MAX)]
SafeInt = Annotated[JsonInt, ColumnRange(-SAFE_INTEGER_MAX, SAFE_INTEGER_MAX)]
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
    "JsonInt",
    "NonNegativeInt32",
    "NotBlank",
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
