"""XLSX, streamed: a minimal valid workbook (one sheet, inline strings, a bold header row) whose
sheet XML is written as the rows arrive and zipped by stream-zip, never held whole.

Cells: numbers (ints, decimals, numeric snapshot strings of a `number` column) as numbers,
booleans as booleans, everything else as inline text (datetimes ISO 8601 with `Z`, as in CSV),
text neutralised against formula injection like CSV. Characters XML 1.0 cannot hold (C0
controls but tab, CR and LF) are written `_xHHHH_`, as Excel itself escapes them.

stream-zip's `async_stream_zip` compresses on a worker thread and pulls the member's chunks
back onto the loop. The rows are NOT read from that thread's pulls: a task on the loop (the
pump) reads and encodes them into a small queue the member drains. On a disconnect the pump is
cancelled (its read transaction closes as for CSV) and the member is told to stop, so the
worker thread ends instead of waiting forever on a queue nobody fills.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
import enum
import math
import re
import zlib
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import anyio
from stream_zip import ZIP_32, AsyncMemberFile, async_stream_zip

from shared.exports.catalog import Column, ColumnType
from shared.exports.formats import (
    BATCH_ROWS,
    CHUNK_BYTES,
    close_iterator,
    decimal_text,
    iso_datetime,
    neutralise,
)

# Excel's limits: rows per sheet (the header included) and characters per cell.
MAX_ROWS = 1_048_576
MAX_CELL_CHARS = 32_767
SHEET_NAME_CHARS = 31
# Fast deflate: XML compresses well at level 1, and CPU is the export's bottleneck.
_COMPRESS_LEVEL = 1

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = (
    _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS = (
    _HEAD + f'<Relationships xmlns="{_PKG}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Excel insists on the two default fills; style 1 is the bold header.
STYLES = (
    _HEAD + f'<styleSheet xmlns="{_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = (
    _HEAD + f'<worksheet xmlns="{_NS}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
SHEET_END = "</sheetData></worksheet>"

_LOOKS_ESCAPED = re.compile(r"_x(?=[0-9A-Fa-f]{4}_)")
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A bare CR would be read back as LF (XML normalises line ends); a character reference is kept.
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def workbook(sheet: str) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "_", sheet)[:SHEET_NAME_CHARS] or "data"
    return (
        _HEAD + f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _xml_text(text: str) -> str:
    text = text.translate(_ESCAPES)
    if "_x" in text:  # a literal `_x0041_` is not an escape: its `_` is escaped itself
        text = _LOOKS_ESCAPED.sub("_x005F_x", text)
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(lambda match: f"_x{ord(match.group()):04X}_", text)
    return text


def _text_cell(text: str) -> str:
    if len(text) > MAX_CELL_CHARS:
        raise ValueError(f"a cell of {len(text)} characters is over Excel's {MAX_CELL_CHARS}")
    return f'<c t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'


def _number_cell(number: Any) -> str | None:
    """A numeric cell, or None when `number` is not a finite number."""
    if isinstance(number, bool):
        return None
    if isinstance(number, int):
        return f"<c><v>{number}</v></c>"
    if isinstance(number, float):
        return f"<c><v>{number!r}</v></c>" if math.isfinite(number) else None
    if isinstance(number, decimal.Decimal):
        return f"<c><v>{decimal_text(number)}</v></c>" if number.is_finite() else None
    return None


def cell(value: Any, *, text_column: bool, number_column: bool) -> str:
    if value is None:
        return "<c/>"  # keeps the following cells in their columns (no cell references)
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, enum.Enum):
        value = value.value
    numeric = _number_cell(value)
    if numeric is not None:
        return numeric
    if isinstance(value, str):
        if number_column:
            # A history snapshot's decimal, as text: publish the declared type.
            try:
                numeric = _number_cell(decimal.Decimal(value))
            except decimal.InvalidOperation:
                numeric = None
            if numeric is not None:
                return numeric
        return _text_cell(neutralise(value) if text_column else value)
    if isinstance(value, dt.datetime):
        return _text_cell(iso_datetime(value))
    if isinstance(value, dt.date):
        return _text_cell(value.isoformat())
    return _text_cell(str(value))  # UUID, an infinite float


def _cell_writer(column: Column) -> Callable[[Any], str]:
    text_column = column.type is ColumnType.STRING
    number_column = column.type in (ColumnType.NUMBER, ColumnType.INTEGER)

    def write(value: Any) -> str:
        return cell(value, text_column=text_column, number_column=number_column)

    return write


async def sheet_xml(
    columns: Sequence[Column], rows: AsyncIterator[Sequence[Any]]
) -> AsyncIterator[bytes]:
    """The worksheet part in ~64 KiB chunks: the header row (bold), then one row per row."""
    header = "".join(
        f'<c t="inlineStr" s="1"><is><t>{_xml_text(column.name)}</t></is></c>' for column in columns
    )
    yield (SHEET_START + f'<row r="1">{header}</row>').encode()
    writers = [_cell_writer(column) for column in columns]
    parts: list[str] = []
    size = 0
    number = 1
    batch = 0
    try:
        async for row in rows:
            number += 1
            if number > MAX_ROWS:
                raise ValueError(f"over {MAX_ROWS - 1} rows: too many for one XLSX sheet (use CSV)")
            line = (
                f'<row r="{number}">'
                + "".join(write(value) for write, value in zip(writers, row, strict=True))
                + "</row>"
            )
            parts.append(line)
            size += len(line)
            batch += 1
            if batch >= BATCH_ROWS and size >= CHUNK_BYTES:
                yield "".join(parts).encode()
                parts, size, batch = [], 0, 0
    finally:
        await close_iterator(rows)
    parts.append(SHEET_END)
    yield "".join(parts).encode()


class _Stop(Exception):
    """Told to the zip member when the export ends early, so the worker thread ends too."""


_DONE = object()


async def write_xlsx(
    columns: Sequence[Column],
    rows: AsyncIterator[Sequence[Any]],
    *,
    sheet: str,
    modified_at: dt.datetime | None = None,
) -> AsyncIterator[bytes]:
    # Two chunks in flight: enough to keep the compressor busy, never the whole sheet.
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=2)

    async def pump() -> None:
        sheet = sheet_xml(columns, rows)
        try:
            async for chunk in sheet:
                await queue.put(chunk)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # handed to the zip, which fails the stream with it
            await queue.put(exc)
            return
        finally:
            await close_iterator(sheet)
        await queue.put(_DONE)

    async def member() -> AsyncIterator[bytes]:
        while True:
            item = await queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    stamp = (modified_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)

    async def members() -> AsyncIterator[AsyncMemberFile]:
        for name, text in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", workbook(sheet)),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/styles.xml", STYLES),
        ):
            yield name, stamp, 0o600, ZIP_32, _once(text.encode())
        yield "xl/worksheets/sheet1.xml", stamp, 0o600, ZIP_32, member()

    task = asyncio.create_task(pump())
    try:
        async for chunk in async_stream_zip(
            members(),
            chunk_size=CHUNK_BYTES,
            get_compressobj=lambda: zlib.compressobj(wbits=-zlib.MAX_WBITS, level=_COMPRESS_LEVEL),
            extended_timestamps=False,
        ):
            yield chunk
    finally:
        if not task.done():
            task.cancel()
        # Whatever the pump left, the member's next read is the stop: the thread gets done.
        while not queue.empty():
            queue.get_nowait()
        queue.put_nowait(_Stop())
        with anyio.CancelScope(shield=True):  # a disconnect's cancellation: still wait for it
            await asyncio.gather(task, return_exceptions=True)


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data
