"""Every projects dataset's live CSV and NDJSON, served by the SQL-rendered path
(`Dataset.select`), are byte for byte what its Python row source gives the writers, with
nasty text in user-typed columns, unfiltered and filtered; `as_of` and XLSX keep the Python
path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from projects_service.exports.datasets import DATASETS
from services.projects.tests.builders import Builder
from services.projects.tests.exports.test_exports import _portfolio
from shared.auth import Principal
from shared.db import utcnow
from shared.exports import Dataset, ExportContext, Row, Tombstone
from shared.exports.formats import ExportFormat, write_csv, write_ndjson
from shared.exports.rendered import rendered_lines
from shared.testing.exports import export

BY_NAME = {dataset.name: dataset for dataset in DATASETS}
NASTY = 'He said "no", then =1+2\r\nnext line; é 日本 \x01'


async def _python_body(
    app: FastAPI, dataset: Dataset, fmt: ExportFormat, filters: dict[str, tuple[str, ...]]
) -> bytes:
    """The bytes of the Python path: the dataset's row source into the writers."""
    async with app.state.database.engine.connect() as connection:
        ctx = ExportContext(
            connection=connection,
            platform=app.state.platform,
            principal=Principal(subject="gov-1", roles=frozenset({"governance"})),
            filters=filters,
            as_of=None,
            updated_since=None,
            snapshot_at=utcnow(),
        )
        # The app took the rendered path: the dataset's select renders (else it would not).
        assert dataset.select is not None
        rendered_lines(dataset.columns, dataset.select(ctx), fmt, connection.dialect.name)
        rows = _live_rows(dataset.rows(ctx))
        body = (
            write_csv(dataset.columns, rows)
            if fmt is ExportFormat.csv
            else write_ndjson(dataset.columns, rows)
        )
        return b"".join([chunk async for chunk in body])


async def _live_rows(items: AsyncIterator[Row | Tombstone]) -> AsyncIterator[Row]:
    async for item in items:
        assert not isinstance(item, Tombstone)  # live: no tombstones
        yield item


async def _nasty_portfolio(build: Builder) -> dict[str, Any]:
    portfolio = await _portfolio(build)
    other = await build.project(
        title=NASTY, summary="-5 ward", directorate="surgery", tags=["=x", "a,b", 'q"']
    )
    await build.ok("POST", f"/v1/projects/{other['id']}/milestones", {"title": "@SUM(A1)"})
    return portfolio


@pytest.mark.parametrize("name", [dataset.name for dataset in DATASETS])
async def test_the_rendered_path_writes_the_python_paths_bytes(
    app: FastAPI, client: httpx.AsyncClient, build: Builder, name: str
) -> None:
    dataset = BY_NAME[name]
    assert dataset.select is not None
    portfolio = await _nasty_portfolio(build)
    project_id = portfolio["project"]["id"]
    for fmt in (ExportFormat.csv, ExportFormat.ndjson):
        cases: list[dict[str, tuple[str, ...]]] = [
            {},
            {"project_id": (project_id,)},
            {"directorate": ("surgery",)},
        ]
        for filters in cases:
            params: dict[str, Any] = {"format": fmt.value, **filters}
            response = await export(client, name, **params)
            assert response.status_code == 200, response.text
            python = await _python_body(app, dataset, fmt, filters)
            assert response.content == python, (fmt, filters)
            assert python.count(b"\n") >= (1 if fmt is ExportFormat.ndjson else 2) or filters


async def test_the_nasty_project_is_rendered_as_the_writers_write_it(
    client: httpx.AsyncClient, build: Builder
) -> None:
    await _nasty_portfolio(build)
    csv_body = (await export(client, "projects")).content
    assert b'"He said ""no"", then =1+2\r\nnext line; \xc3\xa9 ' in csv_body
    assert b'"\'=x;a,b;q"""' in csv_body
    ndjson = (await export(client, "projects", format="ndjson", trailer=True)).content
    assert b'"title":"He said \\"no\\", then =1+2\\r\\nnext line; ' in ndjson
    assert ndjson.splitlines()[-1].startswith(b'{"_export":{"complete":true,"rows":2,')
