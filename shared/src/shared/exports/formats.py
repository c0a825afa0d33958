"""The export writers: CSV (RFC 4180, UTF-8, header row, optional BOM), NDJSON and XLSX, each an
async generator turning rows into ~64 KiB chunks without holding more than one chunk.

Values are formatted once here, by column type, so every dataset writes them alike: datetimes
ISO 8601 in UTC with `Z`, dates ISO, UUIDs their string, enums their value, decimals exact
(a string in CSV, a JSON number in NDJSON, a number in XLSX), booleans `true`/`false` in CSV.
Text cells that a spreadsheet would run as a formula (starting with `= + - @`, tab or carriage
return: OWASP "CSV injection") are neutralised in CSV and XLSX by a leading `'`; NDJSON is data
for programs and keeps the text as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import enum
import io
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from enum import StrEnum
from typing import Any

import orjson

from shared.exports.catalog import Column, ColumnType

CHUNK_BYTES = 64 * 1024
# Rows encoded per call of the underlying encoder (csv.writer.writerows, one join): amortises
# the per-call overhead; the chunk is flushed once it passes CHUNK_BYTES.
BATCH_ROWS = 256
BOM = "\ufeff".encode()
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    csv = "csv"
    ndjson = "ndjson"
    xlsx = "xlsx"


MEDIA_TYPES: dict[ExportFormat, str] = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.ndjson: "application/x-ndjson",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show as text, never evaluate (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def iso_datetime(value: dt.datetime) -> str:
    tzinfo = value.tzinfo
    if tzinfo is not dt.UTC:
        # The platform stores UTC; a naive value is UTC read back bare.
        value = value.replace(tzinfo=dt.UTC) if tzinfo is None else value.astimezone(dt.UTC)
    return value.isoformat().replace("+00:00", "Z")


def decimal_text(value: decimal.Decimal) -> str:
    # Positional, never `1E+2`: BI tools and the Table Schema read plain decimals.
    return format(value, "f")


def _bool_text(value: bool) -> str:
    return "true" if value else "false"


def _none_text(_: None) -> str:
    return ""


def _same(value: str) -> str:
    return value


# By exact type first: one dict lookup per cell is most of the CSV writer's cost.
_TEXT: dict[type, Callable[[Any], str]] = {
    str: _same,
    int: str,
    float: repr,
    bool: _bool_text,
    type(None): _none_text,
    uuid.UUID: str,
    dt.datetime: iso_datetime,
    dt.date: dt.date.isoformat,
    decimal.Decimal: decimal_text,
}


def text_value(value: Any) -> str:
    """Any row value as the text CSV carries (None: the empty string)."""
    convert = _TEXT.get(type(value))
    if convert is not None:
        return convert(value)
    # Subclasses: enums (a StrEnum is a str, so before it), then the kinds above.
    if isinstance(value, enum.Enum):
        return text_value(value.value)
    for kind in (bool, str, int, float, dt.datetime, dt.date, decimal.Decimal, uuid.UUID):
        if isinstance(value, kind):
            return _TEXT[kind](value)
    return str(value)


def safe_text(value: Any) -> str:
    """A text column's cell: its text, neutralised against formula injection."""
    if type(value) is str:
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    return neutralise(text_value(value))


def _csv_cell(column: Column) -> Callable[[Any], str]:
    return safe_text if column.type is ColumnType.STRING else text_value


async def close_iterator(iterator: AsyncIterator[Any]) -> None:
    """Close an async generator now (a no-op for a finished one or a plain iterator). Closing
    an outer generator does not close the ones it iterates: each writer closes its input, so
    a disconnect reaches the read transaction at the bottom at once, not when the garbage
    collector finds the inner generators."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


class _Chunks:
    """A text buffer flushed as UTF-8 chunks of about CHUNK_BYTES."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def full(self) -> bool:
        # Characters, not bytes: close enough for a chunk size, and free to ask.
        return self.buffer.tell() >= CHUNK_BYTES

    def take(self) -> bytes:
        data = self.buffer.getvalue().encode()
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


async def _batches(rows: AsyncIterator[Sequence[Any]]) -> AsyncIterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    try:
        async for row in rows:
            batch.append(row)
            if len(batch) >= BATCH_ROWS:
                yield batch
                batch = []
    finally:
        await close_iterator(rows)
    if batch:
        yield batch


def csv_header(columns: Sequence[Column], *, bom: bool = False) -> bytes:
    """The CSV header line (column names), after a BOM when asked for."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([column.name for column in columns])
    header = buffer.getvalue().encode()
    return (BOM + header) if bom else header


async def write_csv(
    columns: Sequence[Column], rows: AsyncIterator[Sequence[Any]], *, bom: bool = False
) -> AsyncIterator[bytes]:
    """RFC 4180: comma-separated, CRLF line ends, fields quoted when they need it."""
    chunks = _Chunks()
    writer = csv.writer(chunks.buffer, lineterminator="\r\n")
    # The header goes out alone and at once: the first byte never waits for the first query.
    yield csv_header(columns, bom=bom)
    cells = [_csv_cell(column) for column in columns]
    batches = _batches(rows)
    try:
        async for batch in batches:
            writer.writerows(
                [[cell(v) for cell, v in zip(cells, row, strict=True)] for row in batch]
            )
            if chunks.full():
                yield chunks.take()
    finally:
        await close_iterator(batches)
    rest = chunks.take()
    if rest:
        yield rest


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        # Exact: the decimal's digits as a JSON number, not a float's approximation.
        return orjson.Fragment(decimal_text(value).encode())
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot export a {type(value).__name__}")


def _json_number(value: Any) -> Any:
    # History snapshots carry decimals as strings (`shared.changes.to_jsonable`): publish the
    # declared type, a number.
    if isinstance(value, str):
        try:
            return decimal.Decimal(value)
        except decimal.InvalidOperation:
            return value
    return value


_JSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NAIVE_UTC | orjson.OPT_SERIALIZE_UUID


def json_line(value: Any) -> bytes:
    return orjson.dumps(value, default=_json_default, option=_JSON_OPTIONS) + b"\n"


async def write_ndjson(
    columns: Sequence[Column],
    rows: AsyncIterator[Sequence[Any]],
    *,
    trailer: Callable[[], dict[str, Any]] | None = None,
) -> AsyncIterator[bytes]:
    """One JSON object per line, keys in column order; `trailer()` gives a last line, written
    only once every row was (so a stream cut short has none)."""
    names = [column.name for column in columns]
    numbers = [i for i, column in enumerate(columns) if column.type is ColumnType.NUMBER]
    parts: list[bytes] = []
    size = 0
    batches = _batches(rows)
    try:
        async for batch in batches:
            for row in batch:
                values = list(row)
                for i in numbers:
                    values[i] = _json_number(values[i])
                line = json_line(dict(zip(names, values, strict=True)))
                parts.append(line)
                size += len(line)
            if size >= CHUNK_BYTES:
                yield b"".join(parts)
                parts, size = [], 0
    finally:
        await close_iterator(batches)
    if trailer is not None:
        parts.append(json_line(trailer()))
    if parts:
        yield b"".join(parts)
