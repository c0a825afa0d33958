"""Reading exports back in tests: `export(client, dataset, **params)` and one reader per
format, each giving a `Table` (columns in file order, rows as dicts), so a suite asserts what a
BI tool would load:

    table = read_csv(await export(client, "projects", project_id=[a, b]))
    assert table.columns == [...] and table.column("id") == [str(a)]
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from shared.auth import Principal

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    columns: list[str]
    rows: list[dict[str, Any]]
    # NDJSON `trailer=true`: the final `{"_export": ...}` line's object (None: no such line).
    trailer: dict[str, Any] | None = None
    bom: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> list[Any]:
        return [row[name] for row in self.rows]

    def by(self, key: str) -> dict[Any, dict[str, Any]]:
        return {row[key]: row for row in self.rows}


async def export(
    client: httpx.AsyncClient,
    dataset: str,
    *,
    headers: dict[str, str] | None = None,
    prefix: str = "/v1/exports",
    **params: Any,
) -> httpx.Response:
    """GET one dataset: a list value repeats its parameter, datetimes go as ISO 8601, booleans
    as `true`/`false`, None is left out."""
    query: list[tuple[str, str | int | float | bool | None]] = []
    for name, value in params.items():
        values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                query.append((name, "true" if item else "false"))
            elif hasattr(item, "isoformat"):
                query.append((name, item.isoformat()))
            else:
                query.append((name, str(item)))
    return await client.get(f"{prefix}/{dataset}", params=query, headers=headers)


def _ok(response: httpx.Response, media: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media), response.headers
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].startswith('attachment; filename="')


def read_csv(response: httpx.Response) -> Table:
    """Every cell a string (`""` for an empty one), as CSV carries it."""
    _ok(response, "text/csv")
    text = response.content.decode("utf-8")
    bom = text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    lines = list(reader)
    assert lines, "a CSV export always has its header row"
    columns, body = lines[0], lines[1:]
    for line in body:
        assert len(line) == len(columns), line
    return Table(columns, [dict(zip(columns, line, strict=True)) for line in body], bom=bom)


def read_ndjson(response: httpx.Response, columns: Sequence[str] | None = None) -> Table:
    """JSON values as sent; `columns` (e.g. from the dictionary) names them when no row came."""
    _ok(response, "application/x-ndjson")
    objects = [json.loads(line) for line in response.content.decode("utf-8").splitlines()]
    trailer = None
    if objects and set(objects[-1]) == {"_export"}:
        trailer = objects.pop()["_export"]
    names = list(columns) if columns is not None else list(objects[0]) if objects else []
    for item in objects:
        assert list(item) == names, item
    return Table(names, objects, trailer=trailer)


def read_xlsx(response: httpx.Response) -> Table:
    """The first sheet through openpyxl: numbers as numbers, booleans as booleans, None for an
    empty cell."""
    import openpyxl  # type: ignore[import-untyped]  # tests only (no stubs installed)

    _ok(response, XLSX_MEDIA_TYPE)
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = workbook.worksheets[0]
    lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    assert lines, "an XLSX export always has its header row"
    columns = [str(name) for name in lines[0]]
    rows = [
        dict(zip(columns, line + [None] * (len(columns) - len(line)), strict=True))
        for line in lines[1:]
    ]
    return Table(columns, rows)


def principal_for_tests(*roles: str, subject: str = "user-1") -> Principal:
    """A principal for calling a row source directly (`ExportContext(principal=...)`)."""
    return Principal(subject=subject, roles=frozenset(roles or ("reporter",)))


async def catalog(client: httpx.AsyncClient, prefix: str = "/v1/exports") -> dict[str, Any]:
    """The data dictionary, by dataset name."""
    response = await client.get(prefix)
    assert response.status_code == 200, response.text
    return {item["name"]: item for item in response.json()["datasets"]}
