"""The export bundle composed by the real reporting app from the three real services, in-process
(SQLite, or PostgreSQL with CMDI_TEST_DATABASE=postgresql): it unzips, `frictionless.validate`
passes on its `datapackage.json`, and each CSV has the rows the owning service exports itself;
with `as_of`, the bundle is the data as it stood, and the datasets that refuse `as_of` are
listed under `cmdi:omitted` with their reasons."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import uuid
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import frictionless
import pytest
from fastapi import FastAPI

from reporting_service.main import create_app as reporting_app
from reporting_service.settings import Settings as ReportingSettings
from services.stakeholders.tests.builders import (
    EMAIL,
    NAME,
    PHONE,
    create_stakeholder,
    engagement_body,
    link,
)
from shared.testing import SwitchableApp, TokenFactory, api_client, member_body, project_body

from .conftest import ToProjects


@pytest.fixture
async def reporting(
    to_projects: ToProjects, assessment_on_projects: FastAPI, stakeholders_on_projects: FastAPI
) -> AsyncIterator[FastAPI]:
    application = reporting_app(
        ReportingSettings(log_json=False, log_level="WARNING"),
        transports={
            "projects": to_projects,
            "assessment": SwitchableApp(assessment_on_projects),
            "stakeholders": SwitchableApp(stakeholders_on_projects),
        },
    )
    yield application
    for client in application.state.clients.values():
        await client.aclose()


async def seed(
    projects_app: FastAPI, stakeholders_on_projects: FastAPI, tokens: TokenFactory
) -> list[str]:
    """Two projects with a lead each; a stakeholder linked to the first; an engagement."""
    project_ids = []
    async with api_client(projects_app, token=tokens("governance", sub="gov-1")) as api:
        for title in ("Falls sensors", "Virtual ward"):
            created = await api.post("/v1/projects", json=project_body(title=title))
            assert created.status_code == 201, created.text
            project_id = str(created.json()["id"])
            member = await api.post(
                f"/v1/projects/{project_id}/team", json=member_body("lead-1", role="project_lead")
            )
            assert member.status_code == 201, member.text
            project_ids.append(project_id)
    async with api_client(stakeholders_on_projects, token=tokens("admin", sub="ada")) as admin:
        stakeholder = await create_stakeholder(admin)
        await link(admin, stakeholder["id"], uuid.UUID(project_ids[0]))
        engagement = await admin.post("/v1/engagements", json=engagement_body(project_ids[0]))
        assert engagement.status_code == 201, engagement.text
    return project_ids


def unzip(content: bytes, into: Path) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        archive.extractall(into)
        return archive.namelist()


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def every_csv(directory: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in directory.glob("*.csv")}


def assert_valid(package_path: Path) -> None:
    report = frictionless.validate(package_path)
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])


async def own_export(app: FastAPI, token: str, dataset: str, **params: str) -> bytes:
    async with api_client(app, token=token) as client:
        response = await client.get(f"/v1/exports/{dataset}", params={"format": "csv", **params})
    assert response.status_code == 200, response.text
    return response.content


async def test_bundle_validates_and_holds_what_each_service_exports(
    reporting: FastAPI,
    projects_app: FastAPI,
    assessment_on_projects: FastAPI,
    stakeholders_on_projects: FastAPI,
    tokens: TokenFactory,
    tmp_path: Path,
) -> None:
    await seed(projects_app, stakeholders_on_projects, tokens)
    owners = {
        "projects": projects_app,
        "assessment": assessment_on_projects,
        "stakeholders": stakeholders_on_projects,
    }
    token = tokens("governance", sub="gov-1")
    async with api_client(reporting, token=token) as client:
        dictionary = (await client.get("/v1/exports")).json()["datasets"]
        response = await client.get("/v1/exports/bundle.zip")
    assert response.status_code == 200, response.text
    names = unzip(response.content, tmp_path)
    readable = [d["name"] for d in dictionary if d["readable"]]
    assert names == ["datapackage.json", *(f"{name}.csv" for name in readable)]
    assert_valid(tmp_path / "datapackage.json")

    package = json.loads((tmp_path / "datapackage.json").read_text())
    omitted = {o["name"] for o in package["cmdi:omitted"]}
    assert omitted == {d["name"] for d in dictionary if not d["readable"]}
    # Each file has the header the dictionary declares and the rows its owner exports itself.
    for entry in dictionary:
        if not entry["readable"]:
            continue
        data = (tmp_path / f"{entry['name']}.csv").read_bytes()
        header = next(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert header == [c["name"] for c in entry["columns"]], entry["name"]
        own = await own_export(owners[entry["service"]], token, entry["name"])
        assert len(csv_rows(data)) == len(csv_rows(own)), entry["name"]
    assert len(csv_rows((tmp_path / "projects.csv").read_bytes())) == 2
    assert len(csv_rows((tmp_path / "team_roles.csv").read_bytes())) == 2
    assert len(csv_rows((tmp_path / "stakeholders.csv").read_bytes())) == 1


async def test_bundle_as_of_is_the_data_as_it_stood(
    reporting: FastAPI,
    projects_app: FastAPI,
    stakeholders_on_projects: FastAPI,
    tokens: TokenFactory,
    tmp_path: Path,
) -> None:
    project_ids = await seed(projects_app, stakeholders_on_projects, tokens)
    await asyncio.sleep(0.01)
    moment = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=1)
    await asyncio.sleep((moment - dt.datetime.now(dt.UTC)).total_seconds() + 0.05)
    # After the moment: one project renamed, a third created.
    async with api_client(projects_app, token=tokens("governance", sub="gov-1")) as api:
        renamed = await api.patch(f"/v1/projects/{project_ids[1]}", json={"title": "Renamed later"})
        assert renamed.status_code == 200, renamed.text
        later = await api.post("/v1/projects", json=project_body(title="Created later"))
        assert later.status_code == 201, later.text

    as_of = moment.isoformat().replace("+00:00", "Z")
    async with api_client(reporting, token=tokens("reporter", sub="bi-1")) as client:
        dictionary = (await client.get("/v1/exports")).json()["datasets"]
        first = await client.get("/v1/exports/bundle.zip", params={"as_of": as_of})
        again = await client.get("/v1/exports/bundle.zip", params={"as_of": as_of})
    assert first.status_code == 200, first.text
    stamp = moment.strftime("%Y%m%dT%H%M%SZ")
    assert first.headers["content-disposition"] == f'attachment; filename="cmdi_bundle_{stamp}.zip"'
    names = unzip(first.content, tmp_path)
    assert_valid(tmp_path / "datapackage.json")

    package: dict[str, Any] = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["cmdi:as_of"] == as_of
    refused = {d["name"]: d["as_of"]["how"] for d in dictionary if not d["as_of"]["served"]}
    by_reason = {o["name"]: o["reason"] for o in package["cmdi:omitted"]}
    for name, how in refused.items():
        assert f"{name}.csv" not in names
        if next(d for d in dictionary if d["name"] == name)["readable"]:
            assert by_reason[name] == f"It does not honour `as_of`: {how}"
    titles = sorted(row["title"] for row in csv_rows((tmp_path / "projects.csv").read_bytes()))
    assert titles == ["Falls sensors", "Virtual ward"]
    # Reproducible: the same moment, the same files.
    with (
        zipfile.ZipFile(io.BytesIO(first.content)) as one,
        zipfile.ZipFile(io.BytesIO(again.content)) as two,
    ):
        for name in names[1:]:
            assert one.read(name) == two.read(name), name


async def test_bundle_for_a_reporter_holds_no_personal_field(
    reporting: FastAPI,
    projects_app: FastAPI,
    stakeholders_on_projects: FastAPI,
    tokens: TokenFactory,
    tmp_path: Path,
) -> None:
    await seed(projects_app, stakeholders_on_projects, tokens)
    async with api_client(reporting, token=tokens("reporter", sub="bi-1")) as client:
        response = await client.get("/v1/exports/bundle.zip")
    assert response.status_code == 200, response.text
    unzip(response.content, tmp_path)
    assert_valid(tmp_path / "datapackage.json")
    everything = every_csv(tmp_path)
    assert "stakeholders.csv" in everything
    # The stakeholder's name and contact never leave the stakeholders service for a reporter.
    for personal in (NAME, NAME.split()[0], EMAIL, PHONE):
        assert not any(personal in text for text in everything.values()), personal


async def test_bundle_with_a_service_down_is_a_503_naming_it(
    reporting: FastAPI, to_projects: ToProjects, tokens: TokenFactory
) -> None:
    to_projects.reachable = False
    async with api_client(reporting, token=tokens("governance", sub="gov-1")) as client:
        response = await client.get("/v1/exports/bundle.zip")
    assert response.status_code == 503, response.text
    assert response.json()["service"] == "projects"
