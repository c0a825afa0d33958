"""The SQL-rendered fast path (`shared.exports.rendered`) writes the very bytes of the Python
writers: a table with every column type and nasty values (NULL, empty text, quotes, commas,
CR/LF, formula starts, control characters, unicode, zero and non-zero microseconds, large and
negative numbers, decimals), exported both ways as CSV and NDJSON, on SQLite and PostgreSQL;
a column it cannot render exactly is refused (`Unrenderable`), never approximated."""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import enum
import itertools
import uuid
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import httpx
import orjson
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
from shared.testing import TokenFactory, assert_problem, empty_database
from shared.testing.exports import export, read_csv, read_xlsx


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


# Through the router: `items_fast` is `items` with a `select` (conftest), `items_fallback` one
# with a select the rendered path refuses.
PROJECT = uuid.UUID("0190d7a0-0000-7000-8000-00000000000a")
NASTY_TITLES = ['Says "hi", twice\nover two lines', "=1+2", "-3", "\ttab", "plain", "é 日本"]


async def _seed_items(app: Any, probe: ModuleType) -> None:
    project_b = uuid.UUID("0190d7a0-0000-7000-8000-00000000000b")
    async with app.state.database.sessionmaker() as session:
        for n, title in enumerate(NASTY_TITLES * 3):
            session.add(
                probe.Item(
                    project_id=project_b if n % 3 == 0 else PROJECT,
                    title=title,
                    kind=probe.Kind.special if n % 2 else probe.Kind.plain,
                    amount=None if n % 4 == 0 else decimal.Decimal(f"{n * 7 - 20}.{n:02d}"),
                    active=n % 5 != 0,
                    due=None if n % 3 else dt.date(2027, 1, n + 1),
                    directorate=None if n % 2 else "medicine",
                    stage="pilot" if n % 3 == 1 else "idea",
                )
            )
        await session.commit()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"bom": True},
        {"format": "ndjson"},
        {"format": "ndjson", "trailer": True},
        {"project_id": str(PROJECT), "stage": "pilot"},
        {"format": "ndjson", "directorate": "medicine"},
    ],
)
async def test_the_router_serves_the_same_bytes_rendered(
    app: Any, probe: ModuleType, client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    await _seed_items(app, probe)
    python = await export(client, "items", **params)
    fast = await export(client, "items_fast", **params)
    fallback = await export(client, "items_fallback", **params)
    assert python.status_code == fast.status_code == fallback.status_code == 200
    bodies = [response.content for response in (python, fast, fallback)]
    if params.get("trailer"):
        # The trailer names each export's own moments: compare its row count, then the rest.
        trailers = [orjson.loads(body.splitlines()[-1])["_export"] for body in bodies]
        assert {trailer["rows"] for trailer in trailers} == {len(NASTY_TITLES) * 3}
        assert all(trailer["complete"] for trailer in trailers)
        bodies = [body[: body.rindex(b'{"_export"')] for body in bodies]
    assert bodies[0] == bodies[1] == bodies[2]
    assert len(python.content.splitlines()) > 3 or "stage" in params
    for header in ("content-type", "cache-control"):
        assert fast.headers[header] == python.headers[header]
    assert fast.headers["content-disposition"].startswith('attachment; filename="items_fast_')


async def test_as_of_updated_since_and_xlsx_keep_the_python_path(
    app: Any, probe: ModuleType, client: httpx.AsyncClient
) -> None:
    await _seed_items(app, probe)
    await asyncio.sleep(0.01)
    moment = dt.datetime.now(dt.UTC)
    for params in (
        {"as_of": moment},
        {"updated_since": moment - dt.timedelta(hours=1)},
        {"format": "xlsx"},
    ):
        python = await export(client, "items", **params)
        fast = await export(client, "items_fast", **params)
        assert python.status_code == fast.status_code == 200
        if params.get("format") == "xlsx":
            assert read_xlsx(fast).rows == read_xlsx(python).rows
        else:
            assert fast.content == python.content
            assert len(read_csv(fast).rows) == len(NASTY_TITLES) * 3


async def test_a_failing_send_closes_the_rendered_stream_at_once(
    app: Any, probe: ModuleType, tokens: TokenFactory, client: httpx.AsyncClient
) -> None:
    """A client gone (ASGI 2.4: `send` fails) ends the read transaction at once."""
    async with app.state.database.engine.begin() as connection:
        await connection.execute(
            insert(probe.ITEM),
            [
                {"id": uuid.uuid4(), "project_id": PROJECT, "title": f"row {n} " + "x" * 150}
                | {"kind": "plain", "active": True, "stage": "idea"}
                for n in range(3000)
            ],
        )
    token = tokens("reporter")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/exports/items_fast",
        "raw_path": b"/v1/exports/items_fast",
        "root_path": "",
        "query_string": b"format=ndjson",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    bodies: list[bytes] = []

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()  # never a disconnect message: the send fails instead
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body":
            if bodies:
                raise OSError("connection reset by peer")
            bodies.append(message["body"])

    with pytest.raises(Exception):  # noqa: B017 - Starlette's ClientDisconnect, whatever wraps it
        await app(scope, receive, send)
    assert bodies and bodies[0].startswith(b'{"id":')
    engine = app.state.database.engine
    assert engine.pool.checkedout() == 0  # the read transaction ended with the stream
    assert len(read_csv(await export(client, "items_fast")).rows) == 3000


async def test_a_contributor_is_refused_before_any_rendering(client_as: Any) -> None:
    async with client_as("contributor") as contributor:
        assert_problem(await export(contributor, "items_fast"), 403)
