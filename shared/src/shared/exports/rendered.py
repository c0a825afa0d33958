"""The SQL-rendered fast path of live CSV and NDJSON exports: the database renders each row as
its finished line, so Python only joins fetched strings into chunks.

A dataset may declare `select` (a Core select whose columns are the dataset's, in order, raw
values, the live filters applied). For a live export (no `as_of`, no `updated_since`) the router
wraps each column in a per-dialect SQL expression that writes exactly what `formats.py` writes
for that column type (tested byte for byte against the Python writers, SQLite and PostgreSQL):
text neutralised against formula injection then quoted as Python's csv module quotes it; UUIDs
hyphenated (SQLite stores 32 hex digits); datetimes ISO 8601 UTC with `Z`, microseconds only
when non-zero; dates ISO; decimals at their column's scale; booleans `true`/`false`; NULL empty
in CSV, `null` in NDJSON. A column this module cannot render byte-identically raises
`Unrenderable`, and the router serves that export on the Python path instead.

Per-cell Python was the cost: 53-74 µs a row of 26 columns (bench/EXPORTS.md); here the cost
left in Python is one fetched string per row.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    Integer,
    Numeric,
    Select,
    String,
    Text,
    case,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeDecorator, TypeEngine, Uuid

from shared.exports.catalog import Column, ColumnType
from shared.exports.formats import _FORMULA_STARTS, CHUNK_BYTES, ExportFormat

# Rendered lines fetched per round trip: one text value each, so a batch is ~200-600 KiB.
FETCH_LINES = 1000
_DIALECTS = ("sqlite", "postgresql")
# Characters that make Python's csv writer (excel dialect, `\r\n` line ends) quote a field.
_CSV_SPECIALS = ('"', ",", "\r", "\n")

Expression = ColumnElement[Any]


class Unrenderable(Exception):
    """A column whose rendering in SQL could differ from the Python writer's: the export is
    served by the Python path."""


def _lit(text: str) -> Expression:
    # A constant inlined in the SQL (no bound parameter per row); `'` doubled as SQL wants.
    return literal_column("'" + text.replace("'", "''") + "'", Text)


def _cat(*parts: Expression) -> Expression:
    return functools.reduce(lambda left, right: left.op("||", return_type=Text)(right), parts)


def _storage(sql_type: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type the value is stored as (a TypeDecorator's `impl`)."""
    while isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    return sql_type


class _Text:
    """The text a column's value is written as (NULL stays NULL), for one dialect."""

    def __init__(self, dialect: str) -> None:
        if dialect not in _DIALECTS:
            raise Unrenderable(f"no rendering for the {dialect} dialect")
        self.sqlite = dialect == "sqlite"

    def value(
        self, column: Column, expression: Expression, sql_type: TypeEngine[Any]
    ) -> Expression:
        stored = _storage(sql_type)
        kind = column.type
        if kind is ColumnType.STRING:
            if isinstance(stored, Uuid):
                return self.uuid(expression, stored)
            if column.format == "uuid":
                raise Unrenderable(f"{column.name}: a uuid column stored as {stored!r}")
            if isinstance(stored, String | Enum):  # Text and Enum (non-native) are Strings
                return self.string(expression)
        elif kind is ColumnType.INTEGER and isinstance(stored, Integer):
            return cast(expression, Text)
        elif kind is ColumnType.NUMBER and isinstance(stored, Numeric) and stored.asdecimal:
            return self.decimal(column, expression, stored)
        elif kind is ColumnType.BOOLEAN and isinstance(stored, Boolean):
            return case((expression, _lit("true")), (~expression, _lit("false")))
        elif kind is ColumnType.DATE and isinstance(stored, Date):
            # SQLite stores ISO text; PostgreSQL's text form follows DateStyle, to_char does not.
            return expression if self.sqlite else func.to_char(expression, _lit("YYYY-MM-DD"))
        elif kind is ColumnType.DATETIME and isinstance(stored, DateTime):
            return self.moment(expression)
        raise Unrenderable(f"{column.name}: a {kind.value} column stored as {stored!r}")

    def string(self, expression: Expression) -> Expression:
        if self.sqlite:
            return expression
        return cast(expression, Text)

    def uuid(self, expression: Expression, stored: Uuid[Any]) -> Expression:
        if not self.sqlite:
            return cast(expression, Text)  # native uuid: lower case, hyphenated
        # SQLite keeps 32 lower-case hex digits (`uuid.hex`): hyphenated as `str(uuid)` is.
        text = type_coerce(expression, Text)
        return _cat(
            func.substr(text, 1, 8),
            _lit("-"),
            func.substr(text, 9, 4),
            _lit("-"),
            func.substr(text, 13, 4),
            _lit("-"),
            func.substr(text, 17, 4),
            _lit("-"),
            func.substr(text, 21),
        )

    def decimal(self, column: Column, expression: Expression, stored: Numeric[Any]) -> Expression:
        if not self.sqlite:
            # numeric's text is positional at the value's scale, as `format(Decimal, "f")`.
            return cast(expression, Text)
        if stored.scale is None:
            raise Unrenderable(f"{column.name}: a SQLite decimal without a scale")
        # SQLite keeps a float; SQLAlchemy reads it back as `"%.<scale>f" % value`.
        return case((expression.is_not(None), func.printf(_lit(f"%.{stored.scale}f"), expression)))

    def moment(self, expression: Expression) -> Expression:
        if self.sqlite:
            # Stored `YYYY-MM-DD HH:MM:SS.ffffff` (UTC); `isoformat` leaves out zero microseconds.
            text = type_coerce(expression, Text)
            return func.replace(
                _cat(func.replace(text, _lit(" "), _lit("T")), _lit("Z")),
                _lit(".000000Z"),
                _lit("Z"),
            )
        utc = func.timezone(_lit("UTC"), expression)
        return func.replace(
            func.to_char(utc, _lit('YYYY-MM-DD"T"HH24:MI:SS.US"Z"')), _lit(".000000Z"), _lit("Z")
        )

    def neutralised(self, text: Expression) -> Expression:
        """`formats.neutralise` in SQL: a leading `'` before `= + - @`, tab or CR."""
        codes = [ord(start) for start in _FORMULA_STARTS]
        first = func.unicode(text) if self.sqlite else func.ascii(text)
        starts = [literal_column(str(code), Integer) for code in codes]
        return case((first.in_(starts), _cat(_lit("'"), text)), else_=text)

    def csv_text(self, text: Expression) -> Expression:
        """A text cell as the csv writer writes `neutralise(text)`: quoted when it holds `"`,
        `,`, CR or LF, inner quotes doubled (csv.QUOTE_MINIMAL). The test for quoting reads
        the text before neutralising (a leading `'` never needs quotes), so each branch
        evaluates the neutralised text once."""
        specials = "".join(_CSV_SPECIALS)
        needs: ColumnElement[bool]
        if self.sqlite:
            needs = text.op("GLOB", return_type=Boolean)(_lit(f"*[{specials}]*"))
        else:
            needs = text.op("~", return_type=Boolean)(_lit(f"[{specials}]"))
        safe = self.neutralised(text)
        return case(
            (needs, _cat(_lit('"'), func.replace(safe, _lit('"'), _lit('""')), _lit('"'))),
            else_=safe,
        )

    def json_string(self, text: Expression) -> Expression:
        # SQLite's json_quote and PostgreSQL's to_json escape as orjson does (`"`, `\`, control
        # characters as \b \f \n \r \t or \u00xx; other text as is, UTF-8): tested.
        return func.json_quote(text) if self.sqlite else cast(func.to_json(text), Text)


def joined_list(expression: Any, separator: str, dialect: str) -> Expression:
    """A JSON list of strings as one text cell, its items joined by `separator` in list order
    (an empty or NULL list: the empty string), as `separator.join(items)` writes it: for a
    dataset's `select` whose Python row source joins the list."""
    # Anything but an array (SQL NULL, JSON null) is no items, as `join(value or ())` has it.
    if dialect == "sqlite":
        array = case((func.json_type(expression) == _lit("array"), expression), else_=_lit("[]"))
        items = func.json_each(array).table_valued("value")
        joined = select(func.group_concat(items.c.value, _lit(separator)))
    elif dialect == "postgresql":
        items = (
            func.jsonb_array_elements_text(
                case(
                    (
                        func.jsonb_typeof(cast(expression, JSONB)) == _lit("array"),
                        cast(expression, JSONB),
                    ),
                    else_=cast(_lit("[]"), JSONB),
                )
            )
            .table_valued("value", with_ordinality="position")
            .render_derived(name="list_item")
        )
        joined = select(
            func.string_agg(items.c.value, aggregate_order_by(_lit(separator), items.c.position))
        )
    else:
        raise Unrenderable(f"no rendering for the {dialect} dialect")
    return func.coalesce(type_coerce(joined.scalar_subquery(), Text), _lit(""))


def _enum_is_plain(column: Column) -> bool:
    """An enumeration whose every value a CSV cell writes as is (no neutralising, no quotes)."""
    return column.enum is not None and all(
        value
        and not value.startswith(_FORMULA_STARTS)
        and not any(c in value for c in _CSV_SPECIALS)
        for value in column.enum
    )


def _csv_cell(render: _Text, column: Column, expression: Expression, sql_type: Any) -> Expression:
    text = render.value(column, expression, sql_type)
    stored = _storage(sql_type)
    if (
        column.type is ColumnType.STRING
        and not isinstance(stored, Uuid)
        and not _enum_is_plain(column)
    ):
        text = render.csv_text(text)
    return func.coalesce(text, _lit(""))


def _json_cell(render: _Text, column: Column, expression: Expression, sql_type: Any) -> Expression:
    text = render.value(column, expression, sql_type)
    if column.type in (ColumnType.STRING, ColumnType.DATE, ColumnType.DATETIME):
        stored = _storage(sql_type)
        if column.type is ColumnType.STRING and not isinstance(stored, Uuid):
            text = render.json_string(text)
        else:
            # Hex digits, dashes, ISO moments: nothing to escape.
            text = _cat(_lit('"'), text, _lit('"'))
    return func.coalesce(text, _lit("null"))


def rendered_lines(
    columns: Sequence[Column], statement: Select[Any], fmt: ExportFormat, dialect: str
) -> Select[Any]:
    """`statement` (the dataset's columns in order) turned into one text column, `line`: each
    row as the CSV line (with `\\r\\n`) or the NDJSON line (with `\\n`) the writers would write."""
    selected = list(statement.selected_columns)
    if len(selected) != len(columns):
        raise Unrenderable(f"a select of {len(selected)} columns for {len(columns)}")
    render = _Text(dialect)
    # The rendering names each value up to three times (a test, then one branch): over a
    # subquery's output columns that is a column read, never a re-evaluation of the dataset's
    # expressions (a joined list is a subquery per row). OFFSET 0 keeps both databases from
    # merging the subquery back into the outer select (PostgreSQL's pull-up, SQLite's
    # flattening); the outer select reads it in its order, streamed (a co-routine in SQLite).
    inner = statement.offset(0).subquery("export_row")
    cells = [(inner.c[index], column.type) for index, column in enumerate(selected)]
    parts: list[Expression] = []
    if fmt is ExportFormat.csv:
        for index, (column, (expression, sql_type)) in enumerate(zip(columns, cells, strict=True)):
            if index:
                parts.append(_lit(","))
            parts.append(_csv_cell(render, column, expression, sql_type))
        parts.append(_lit("\r\n"))
    elif fmt is ExportFormat.ndjson:
        for index, (column, (expression, sql_type)) in enumerate(zip(columns, cells, strict=True)):
            key = orjson.dumps(column.name).decode()
            parts.append(_lit(("{" if index == 0 else ",") + key + ":"))
            parts.append(_json_cell(render, column, expression, sql_type))
        parts.append(_lit("}\n"))
    else:
        raise Unrenderable(f"no rendering for {fmt.value}")
    return select(_cat(*parts).label("line")).select_from(inner)


async def stream_lines(
    connection: AsyncConnection,
    statement: Select[Any],
    *,
    counted: Callable[[int], None],
    fetch: int = FETCH_LINES,
) -> AsyncIterator[bytes]:
    """The rendered lines as ~CHUNK_BYTES UTF-8 chunks, fetched `fetch` at a time (one read
    transaction, server-side cursor on PostgreSQL); `counted(n)` after each batch of n rows."""
    if connection.dialect.name == "postgresql":
        # The rendered select's long expression costs PostgreSQL's JIT (inlining, optimising)
        # ~2 s before the first row under load, and runs slower than without it: measured on
        # the million-row benchmark, first row 2.2 s with JIT, 5 ms without. For this
        # transaction only.
        await connection.exec_driver_sql("SET LOCAL jit = off")
    result = await connection.stream(statement.execution_options(yield_per=fetch))
    try:
        parts: list[str] = []
        size = 0
        async for batch in result.scalars().partitions(fetch):
            text = "".join(batch)
            counted(len(batch))
            parts.append(text)
            size += len(text)
            if size >= CHUNK_BYTES:
                yield "".join(parts).encode()
                parts, size = [], 0
        if parts:
            yield "".join(parts).encode()
    finally:
        await result.close()
