"""The SQL-rendered fast path (`shared.exports.rendered`) writes the very bytes of the Python
writers: a table with every column type and nasty values (NULL, empty text, quotes, commas,
CR/LF, formula starts, control characters, unicode, zero and non-zero microseconds, large and
negative numbers, decimals), exported both ways as CSV and NDJSON, on SQLite and PostgreSQL;
a column it cannot render exactly is refused (`Unrenderable`), never approximated."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    Numeric,
    String,
    Text,
    Uuid,
    insert,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Database, JSONDocument, UTCDateTime, enum_column, new_metadata
from shared.exports import Column, ColumnType
from shared.exports.formats import ExportFormat, csv_header, write_csv, write_ndjson
from shared.exports.rendered import Unrenderable, joined_list, rendered_lines, stream_lines
from shared.testing import empty_database


class Base(DeclarativeBase):
    metadata = new_metadata()


class Plain(enum.StrEnum):
    idea = "idea"
    pilot_ready = "pilot_ready"


class Risky(enum.StrEnum):
    # Values a CSV cell must neutralise or quote: the enum is not written as is.
    formula = "=SUM(A1)"
    comma = "a,b"
    fine = "fine"


class Thing(Base):
    __tablename__ = "rendered_thing"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    ref: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    label: Mapped[str | None] = mapped_column(Text)
    short: Mapped[str | None] = mapped_column(String(40))
    plain: Mapped[Plain | None] = mapped_column(enum_column(Plain, "rendered_plain"))
    risky: Mapped[Risky | None] = mapped_column(enum_column(Risky, "rendered_risky"))
    count: Mapped[int | None] = mapped_column(BigInteger)
    amount: Mapped[decimal.Decimal | None] = mapped_column(Numeric(14, 2))
    flag: Mapped[bool | None] = mapped_column(Boolean)
    day: Mapped[dt.date | None] = mapped_column(Date)
    moment: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ratio: Mapped[float | None] = mapped_column(Float)
    tags: Mapped[list[str] | None] = mapped_column(JSONDocument)


THING = Thing.__table__
COLUMNS = (
    Column("id", ColumnType.STRING, "Id.", format="uuid", required=True),
    Column("ref", ColumnType.STRING, "Another id.", format="uuid"),
    Column("label", ColumnType.STRING, "Free text."),
    Column("short", ColumnType.STRING, "Short text."),
    Column("plain", ColumnType.STRING, "A plain enum.", enum=tuple(Plain)),
    Column("risky", ColumnType.STRING, "An enum that needs care.", enum=tuple(Risky)),
    Column("count", ColumnType.INTEGER, "A count."),
    Column("amount", ColumnType.NUMBER, "Money."),
    Column("flag", ColumnType.BOOLEAN, "A flag."),
    Column("day", ColumnType.DATE, "A date."),
    Column("moment", ColumnType.DATETIME, "A moment."),
    Column("tags", ColumnType.STRING, "A list joined by `;`."),
)
TAGS = [None, [], [""], ["one"], ["=a", "b,c"], ["x", "", "y\nz", 'q"'], ["é", "日本", "-"]]
TEXTS = [
    None,
    "",
    "plain",
    'with "quotes"',
    '"',
    '""',
    "a,b",
    ",",
    "line\nbreak",
    "cr\rhere",
    "crlf\r\nend",
    "\n",
    "=1+2",
    "+44 20",
    "-5",
    "@handle",
    "\ttab first",
    "\rcr first",
    '=HYPERLINK("http://x","y,z")',
    "'quoted already",
    "unicode é ü 日本 🎉",
    "back\\slash \\n",
    "ctrl \x01 \x08 \x0c \x1f end",
    "del \x7f and \u2028 sep",
    " leading space",
    "trailing space ",
    "</script>/",
    "tab\tinside",
    "x" * 300,
]
NUMBERS = [
    None,
    decimal.Decimal("0"),
    decimal.Decimal("0.01"),
    decimal.Decimal("-1.5"),
    decimal.Decimal("1234.50"),
    decimal.Decimal("100"),
    decimal.Decimal("999999999999.99"),
    decimal.Decimal("-999999999999.99"),
    decimal.Decimal("123456.78"),
]
INTEGERS = [None, 0, -5, 7, 2**31 - 1, -(2**31), 2**53 + 1, -(2**62)]
MOMENTS = [
    None,
    dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 6, 1, 12, 0, 0, 1, tzinfo=dt.UTC),
    dt.datetime(2026, 6, 1, 12, 0, 0, 500000, tzinfo=dt.UTC),
    dt.datetime(1999, 2, 3, 4, 5, 6, 120000, tzinfo=dt.UTC),
    # Another offset is stored as UTC.
    dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
]
DAYS = [None, dt.date(2026, 1, 1), dt.date(1, 1, 1), dt.date(2026, 12, 31), dt.date(999, 9, 9)]
FLAGS = [None, True, False]
PLAINS = [None, *Plain]
RISKIES = [None, *Risky]


def _rows() -> list[dict[str, Any]]:
    # Every list cycled at its own length: the values meet in many combinations.
    count = len(TEXTS) * 3
    columns = {
        "label": TEXTS,
        "short": [None if t is None else t[:40] for t in reversed(TEXTS)],
        "plain": PLAINS,
        "risky": RISKIES,
        "count": INTEGERS,
        "amount": NUMBERS,
        "flag": FLAGS,
        "day": DAYS,
        "moment": MOMENTS,
        "tags": TAGS,
    }
    cycles = {name: itertools.cycle(values) for name, values in columns.items()}
    rows = []
    for n in range(count):
        row: dict[str, Any] = {
            "id": uuid.UUID(int=(n + 1) * 0x10000000000000000000000000001),
            "ref": None if n % 4 == 0 else uuid.uuid4(),
        }
        row.update({name: next(cycle) for name, cycle in cycles.items()})
        rows.append(row)
    rows.append({"id": uuid.UUID(int=2**128 - 1), "ref": None} | dict.fromkeys(columns))
    return rows


@pytest.fixture(scope="module")
async def database() -> AsyncIterator[Database]:
    async with empty_database("shared", "rendered") as url:
        database = Database.connect(url, info={})
        async with database.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
            await connection.execute(insert(Thing), _rows())
        try:
            yield database
        finally:
            await database.dispose()


def _statement(dialect: str | None = None) -> Any:
    """The live select; `dialect`: the list column joined in SQL (for the rendered path)."""
    columns: list[Any] = [THING.c[column.name] for column in COLUMNS[:-1]]
    if dialect is None:
        columns.append(THING.c.tags)
    else:
        columns.append(joined_list(THING.c.tags, ";", dialect).label("tags"))
    return select(*columns).order_by(THING.c.id)


async def _python_body(database: Database, fmt: ExportFormat) -> bytes:
    async with database.engine.connect() as connection:
        result = await connection.stream(_statement())

        async def rows() -> AsyncIterator[Any]:
            async for row in result:
                # The list joined in Python, as a row source's `to_row` does.
                yield (*row[:-1], ";".join(str(item) for item in row[-1] or ()))

        writer = (
            write_csv(COLUMNS, rows()) if fmt is ExportFormat.csv else write_ndjson(COLUMNS, rows())
        )
        return b"".join([chunk async for chunk in writer])


async def _rendered_body(database: Database, fmt: ExportFormat, *, fetch: int = 7) -> bytes:
    counted: list[int] = []
    async with database.engine.connect() as connection:
        dialect = connection.dialect.name
        lines = rendered_lines(COLUMNS, _statement(dialect), fmt, dialect)
        body = [csv_header(COLUMNS)] if fmt is ExportFormat.csv else []
        body += [
            chunk
            async for chunk in stream_lines(connection, lines, counted=counted.append, fetch=fetch)
        ]
    assert sum(counted) == len(_rows())
    return b"".join(body)


@pytest.mark.parametrize("fmt", [ExportFormat.csv, ExportFormat.ndjson])
async def test_rendered_bytes_equal_the_python_writers(
    database: Database, fmt: ExportFormat
) -> None:
    python = await _python_body(database, fmt)
    rendered = await _rendered_body(database, fmt)
    # Line by line first: a difference names its row.
    separator = b"\r\n" if fmt is ExportFormat.csv else b"\n"
    assert rendered.split(separator) == python.split(separator)
    assert rendered == python
    assert len(python) > 10_000


async def test_the_nasty_values_are_there(database: Database) -> None:
    """The comparison is not vacuous: quoting, neutralising, escaping and microseconds occur."""
    csv_body = await _rendered_body(database, ExportFormat.csv)
    ndjson_body = await _rendered_body(database, ExportFormat.ndjson)
    for expected in (
        b'"with ""quotes"""',
        b"'=1+2",
        b"'-5",
        b"'\ttab first",
        b'"\'\rcr first"',
        b'"line\nbreak"',
        b'"\'=SUM(A1)"'.replace(b'"', b""),
        b'"a,b"',
        b"2026-01-01T00:00:00Z",
        b"2026-12-31T23:59:59.999999Z",
        b"2026-06-01T12:00:00.000001Z",
        b"2026-03-28T23:30:00Z",
        b"999999999999.99",
        b"-1.50",
        b"0001-01-01",
        b",true,",
        b",false,",
        b'"\'=a;b,c"',
        b'"x;;y\nz;q"""',
    ):
        assert expected in csv_body, expected
    for expected in (
        b'"label":"=1+2"',
        b'"label":"ctrl \\u0001 \\b \\f \\u001f end"',
        b'"label":"line\\nbreak"',
        b'"amount":-1.50',
        b'"count":9007199254740993',
        b'"flag":null',
        "日本 🎉".encode(),
        b'"tags":""',
        '"tags":"é;日本;-"'.encode(),
    ):
        assert expected in ndjson_body, expected


async def test_a_column_it_cannot_render_exactly_is_refused(database: Database) -> None:
    floats = (*COLUMNS[:-1], Column("ratio", ColumnType.NUMBER, "A float."))
    statement = select(*(THING.c[column.name] for column in floats))
    async with database.engine.connect() as connection:
        with pytest.raises(Unrenderable, match="ratio"):
            rendered_lines(floats, statement, ExportFormat.csv, connection.dialect.name)
    with pytest.raises(Unrenderable, match="xlsx"):
        rendered_lines(COLUMNS, _statement("sqlite"), ExportFormat.xlsx, "sqlite")
    with pytest.raises(Unrenderable, match="columns"):
        rendered_lines(COLUMNS[:2], _statement("sqlite"), ExportFormat.csv, "sqlite")
    with pytest.raises(Unrenderable, match="dialect"):
        rendered_lines(COLUMNS, _statement("sqlite"), ExportFormat.csv, "mysql")
