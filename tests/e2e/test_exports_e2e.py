"""End to end: exports through the gateway over TCP, with the platform as `make run` starts it
(SQLite, or PostgreSQL with CMDI_TEST_DATABASE=postgresql). The live dictionary names exactly
the datasets the gateway routes, each to the service it says; a dataset streams through the
gateway from its owner; an unknown name is reporting's 404; the bundle, downloaded as a stream
to a file, validates with frictionless and has the rows created; a caller that goes away
mid-bundle leaves the platform able to serve the next one."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import frictionless
import httpx
import pytest

from gateway.routes_table import EXPORT_DATASETS
from scripts.processes import Stack
from shared.testing import TokenFactory, assert_problem, member_body, project_body
from shared.testing.exports import read_csv, read_ndjson, read_xlsx

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(stack: Stack, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("governance", sub="e2e-exports"),
        timeout=httpx.Timeout(30.0, connect=2.0),
        trust_env=False,
    ) as client:
        yield client


@pytest.fixture(scope="module")
async def created(stack: Stack, tokens: TokenFactory) -> list[str]:
    """Two projects with a lead each (the module's stack is shared by its tests)."""
    ids = []
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("governance", sub="e2e-exports"),
        timeout=20.0,
        trust_env=False,
    ) as api:
        for index in range(2):
            title = f"E2E exports {index} {uuid.uuid4().hex[:6]}"
            response = await api.post("/projects", json=project_body(title=title))
            assert response.status_code == 201, response.text
            project_id = str(response.json()["id"])
            member = await api.post(
                f"/projects/{project_id}/team", json=member_body("e2e-lead", role="project_lead")
            )
            assert member.status_code == 201, member.text
            ids.append(project_id)
    return ids


async def test_live_dictionary_names_exactly_the_routed_datasets(api: httpx.AsyncClient) -> None:
    response = await api.get("/exports")
    assert response.status_code == 200, response.text
    datasets = response.json()["datasets"]
    assert {d["name"]: d["service"] for d in datasets} == EXPORT_DATASETS
    assert len(datasets) == len(EXPORT_DATASETS)  # no name twice


async def test_a_dataset_streams_from_its_owner_through_the_gateway(
    api: httpx.AsyncClient, created: list[str]
) -> None:
    response = await api.get("/exports/projects", params={"format": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="projects_')
    ids = {row["id"] for row in csv.DictReader(io.StringIO(response.text))}
    assert set(created) <= ids

    response = await api.get(
        "/exports/team_roles", params=[("format", "ndjson"), ("project_id", created[0])]
    )
    assert response.status_code == 200, response.text
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["project_id"] for line in lines] == [created[0]]


async def test_unknown_dataset_is_reportings_404(api: httpx.AsyncClient) -> None:
    body = assert_problem(await api.get("/exports/widgets"), 404, "unknown-dataset")
    assert "projects" not in json.dumps(body)


async def _download(api: httpx.AsyncClient, target: Path, **params: str) -> httpx.Response:
    async with api.stream("GET", "/exports/bundle.zip", params=params) as response:
        if response.status_code == 200:
            with target.open("wb") as file:
                async for chunk in response.aiter_bytes():
                    file.write(chunk)
        else:
            await response.aread()
    return response


def _unpack(archive: Path, into: Path) -> list[str]:
    with zipfile.ZipFile(archive) as opened:
        assert opened.testzip() is None
        opened.extractall(into)
        return opened.namelist()


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


async def test_bundle_through_the_gateway_validates_with_frictionless(
    api: httpx.AsyncClient, created: list[str], tmp_path: Path
) -> None:
    archive = tmp_path / "bundle.zip"
    response = await _download(api, archive)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="cmdi_bundle_')
    names = _unpack(archive, tmp_path / "bundle")
    assert names[0] == "datapackage.json"
    report = frictionless.validate(tmp_path / "bundle" / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    ids = {row["id"] for row in _rows(tmp_path / "bundle" / "projects.csv")}
    assert set(created) <= ids
    leads = [r for r in _rows(tmp_path / "bundle" / "team_roles.csv") if r["project_id"] in created]
    assert len(leads) == 2


async def test_a_caller_leaving_mid_bundle_leaves_the_next_bundle_whole(
    api: httpx.AsyncClient, created: list[str], tmp_path: Path
) -> None:
    async with api.stream("GET", "/exports/bundle.zip") as response:
        assert response.status_code == 200
        async for _ in response.aiter_raw():
            break  # the first chunk, then hang up
    archive = tmp_path / "again.zip"
    response = await _download(api, archive)
    assert response.status_code == 200
    assert "datapackage.json" in _unpack(archive, tmp_path / "again")


async def test_merged_openapi_documents_every_dataset_and_the_bundle(
    stack: Stack, api: httpx.AsyncClient
) -> None:
    response = await api.get(f"{stack.gateway_url}/api/openapi.json", timeout=60.0)
    assert response.status_code == 200, response.text
    paths = response.json()["paths"]
    exports = {path for path in paths if path.startswith("/api/v1/exports")}
    assert exports == {
        "/api/v1/exports",
        "/api/v1/exports/bundle.zip",
        "/api/v1/exports/{dataset}",
        *(f"/api/v1/exports/{name}" for name in EXPORT_DATASETS),
    }
    # Each dataset's own filters are documented on its path (from its owner's document).
    parameters = {p["name"] for p in paths["/api/v1/exports/team_roles"]["get"]["parameters"]}
    assert {"format", "as_of", "updated_since", "project_id"} <= parameters


@pytest.mark.parametrize("fmt", ["csv", "ndjson", "xlsx"])
async def test_every_dataset_exports_in_every_format_through_the_gateway(
    api: httpx.AsyncClient, created: list[str], fmt: str
) -> None:
    """Each routed dataset, in each format, from its owner through the gateway: the columns the
    live dictionary declares, in its order (a dataset may be empty on this stack)."""
    dictionary = (await api.get("/exports")).json()["datasets"]
    readers = {"csv": read_csv, "ndjson": read_ndjson, "xlsx": read_xlsx}
    for dataset in dictionary:
        columns = [column["name"] for column in dataset["columns"]]
        response = await api.get(f"/exports/{dataset['name']}", params={"format": fmt})
        assert response.status_code == 200, (dataset["name"], response.text[:300])
        assert response.headers["content-disposition"].startswith(
            f'attachment; filename="{dataset["name"]}_'
        )
        table = read_ndjson(response, columns) if fmt == "ndjson" else readers[fmt](response)
        assert table.columns == columns, dataset["name"]
    # The projects this module created are in the projects dataset in every format.
    projects = await api.get("/exports/projects", params={"format": fmt})
    ids = set(readers[fmt](projects).column("id"))
    assert set(created) <= ids
