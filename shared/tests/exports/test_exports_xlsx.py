"""XLSX exports read back with openpyxl: a valid workbook, the declared columns in order, numbers
as numbers, booleans as booleans, text as text (neutralised against formulas, XML-unsafe
characters escaped), a bold frozen header, many rows across chunks, incremental tombstones."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import uuid
import zipfile
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import httpx
import openpyxl  # type: ignore[import-untyped]  # tests only (no stubs installed)
import pytest
from fastapi import FastAPI

from shared.exports.formats import CHUNK_BYTES
from shared.exports.xlsx import write_xlsx
from shared.testing import ManualClock
from shared.testing.exports import export, read_csv, read_xlsx

PROJECT = uuid.UUID("0190d7a0-0000-7000-8000-00000000000a")


async def add(app: FastAPI, probe: ModuleType, **values: Any) -> uuid.UUID:
    async with app.state.database.sessionmaker() as session:
        item = probe.Item(**{"project_id": PROJECT, "title": "An item", **values})
        session.add(item)
        await session.commit()
        return uuid.UUID(str(item.id))


async def test_values_keep_their_types(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.freeze(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC))
    first = await add(
        app,
        probe,
        title="Fish & <chips>",
        kind=probe.Kind.special,
        amount=decimal.Decimal("12.50"),
        due=dt.date(2027, 1, 31),
    )
    second = await add(app, probe, title="  spaced  ", active=False)
    response = await export(client, "items", format="xlsx")
    assert response.headers["content-disposition"] == (
        'attachment; filename="items_20261201T120000Z.xlsx"'
    )
    table = read_xlsx(response)
    assert table.columns == [column.name for column in probe.COLUMNS]
    assert table.rows == [
        {
            "id": str(first),
            "project_id": str(PROJECT),
            "title": "Fish & <chips>",
            "kind": "special",
            "amount": 12.5,
            "active": True,
            "due": "2027-01-31",
            "updated_at": "2026-12-01T12:00:00Z",
        },
        {
            "id": str(second),
            "project_id": str(PROJECT),
            "title": "  spaced  ",
            "kind": "plain",
            "amount": None,
            "active": False,
            "due": None,
            "updated_at": "2026-12-01T12:00:00Z",
        },
    ]
    # Same rows as the CSV, cell for cell once CSV's text is read the same way.
    assert [row["id"] for row in read_csv(await export(client, "items")).rows] == table.column("id")


async def test_the_workbook_is_well_formed(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient
) -> None:
    await add(app, probe, title="a\x01b\x1fc")
    await add(app, probe, title="_x0041_")
    response = await export(client, "items", format="xlsx")
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    assert archive.namelist()[0] == "[Content_Types].xml"
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))  # the full (styled) reader
    sheet = workbook.worksheets[0]
    assert sheet.title == "items"
    assert sheet["A1"].value == "id" and sheet["A1"].font.b
    assert sheet.freeze_panes == "A2"
    # Excel's own escape for characters XML cannot hold; a literal escape-lookalike is kept.
    assert sheet["C2"].value == "a_x0001_b_x001F_c"
    assert sheet["C3"].value == "_x005F_x0041_"


@pytest.mark.parametrize("title", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
async def test_formulas_are_neutralised(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, title: str
) -> None:
    await add(app, probe, title=title)
    table = read_xlsx(await export(client, "items", format="xlsx"))
    assert table.column("title") == ["'" + title]
    workbook = openpyxl.load_workbook(
        io.BytesIO((await export(client, "items", format="xlsx")).content)
    )
    assert workbook.worksheets[0]["C2"].data_type == "s"  # text, never a formula


async def test_many_rows_stream_in_bounded_chunks(probe: ModuleType) -> None:
    # The writer itself (the in-process client gathers the body into one piece).
    async def rows() -> AsyncIterator[tuple[Any, ...]]:
        for n in range(20_000):
            yield (
                uuid.UUID(int=n), PROJECT, f"row {n} {uuid.UUID(int=n * 7919).hex}", "plain",
                decimal.Decimal(n) / 4, n % 2 == 0, None, dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            )  # fmt: skip

    chunks = [chunk async for chunk in write_xlsx(probe.COLUMNS, rows(), sheet="items")]
    assert len(chunks) > 3 and max(len(chunk) for chunk in chunks) <= CHUNK_BYTES
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)), read_only=True)
    lines = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(lines) == 20_001
    assert lines[4][4] == 0.75 and lines[4][5] is False and lines[4][6] is None
    assert lines[-1][0] == str(uuid.UUID(int=19_999))


async def test_incremental_xlsx_has_the_deleted_column(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.freeze(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    gone = await add(app, probe)
    since = clock.advance(minutes=1)
    clock.advance(minutes=1)
    async with app.state.database.sessionmaker() as session:
        await session.delete(await session.get(probe.Item, gone))
        await session.commit()
    kept = await add(app, probe, title="new")
    table = read_xlsx(await export(client, "items", format="xlsx", updated_since=since))
    assert table.columns[-1] == "deleted"
    assert {row["id"]: row["deleted"] for row in table.rows} == {str(gone): True, str(kept): False}
    assert table.by("id")[str(gone)]["title"] is None


async def test_as_of_workbooks_are_byte_identical(
    app: FastAPI, probe: ModuleType, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    clock.freeze(dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC))
    await add(app, probe)
    as_of = clock.advance(minutes=1)
    first = await export(client, "items", format="xlsx", as_of=as_of)
    clock.advance(minutes=5)
    second = await export(client, "items", format="xlsx", as_of=as_of)
    assert first.content == second.content
