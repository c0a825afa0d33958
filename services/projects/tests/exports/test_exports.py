"""The projects service's export datasets (#12) through the app: the dictionary, the three
formats, filters, `as_of` (later changes and deletions leave the file unchanged),
`updated_since` (changed rows and tombstones), roles and spreadsheet safety."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest

from projects_service.exports.datasets import DATASETS
from services.projects.tests.builders import Builder
from shared.testing import TokenFactory
from shared.testing.exports import catalog, export, read_csv, read_ndjson, read_xlsx

NAMES = [dataset.name for dataset in DATASETS]


async def _portfolio(build: Builder) -> dict[str, Any]:
    """One project with a record in every dataset."""
    project = await build.project(title="Virtual ward", directorate="medicine")
    pid = project["id"]
    await build.member(pid, "nurse-1", "project_lead")
    await build.ok("POST", f"/v1/projects/{pid}/milestones", {"title": "Pilot live"})
    benefit = await build.ok(
        "POST",
        f"/v1/projects/{pid}/benefits",
        {"kind": "bed_days", "title": "Fewer bed days", "unit": "bed_days", "confidence": "low"},
    )
    await build.ok(
        "POST",
        f"/v1/projects/{pid}/benefits/{benefit['id']}/values",
        {"value_type": "estimated", "amount": 120.5, "as_at": "2026-10-01"},
    )
    await build.ok(
        "POST", f"/v1/projects/{pid}/transitions", {"to": "paused", "reason": "Staff"}, 200
    )
    outcome_map = await build.agreed_map_with_strategies(pid)
    partner = outcome_map["partners"][0]
    marker = partner["markers"][0]["id"]
    await build.journal(pid, partner, "2026-09-01", "2026-09-30", {marker: "medium"})
    await build.strategy_journal(pid, outcome_map, "2026-09-01", "2026-09-30")
    await build.performance_journal(
        pid,
        outcome_map,
        "2026-09-01",
        "2026-09-30",
        {"seeking_feedback_from_key_informants": "high"},
    )
    return {"project": project, "map": outcome_map, "benefit": benefit}


async def _moment() -> dt.datetime:
    """A moment strictly between the writes before and after it."""
    await asyncio.sleep(0.01)
    moment = dt.datetime.now(dt.UTC)
    await asyncio.sleep(0.01)
    return moment


async def test_the_dictionary_lists_every_dataset(
    client: httpx.AsyncClient,
) -> None:
    datasets = await catalog(client)
    # The gateway's routing table is checked against every dictionary in tests/cross_service.
    assert sorted(datasets) == sorted(NAMES)
    stage_changes = datasets["stage_changes"]
    assert stage_changes["primary_key"] == ["id"]
    assert {"columns": ["project_id"], "dataset": "projects", "reference": ["id"]} in (
        stage_changes["foreign_keys"]
    )
    assert all(
        item["as_of"]["served"] and item["updated_since"]["served"] for item in datasets.values()
    )


@pytest.mark.parametrize("name", NAMES)
async def test_each_dataset_in_the_three_formats(
    client: httpx.AsyncClient, build: Builder, name: str
) -> None:
    await _portfolio(build)
    declared = [column["name"] for column in (await catalog(client))[name]["columns"]]
    as_csv = read_csv(await export(client, name))
    as_ndjson = read_ndjson(await export(client, name, format="ndjson"))
    as_xlsx = read_xlsx(await export(client, name, format="xlsx"))
    assert as_csv.columns == as_ndjson.columns == as_xlsx.columns == declared
    assert len(as_csv.rows) == len(as_ndjson.rows) == len(as_xlsx.rows) >= 1
    assert as_csv.column("id") == [str(row["id"]) for row in as_ndjson.rows]


@pytest.mark.parametrize("name", NAMES)
async def test_as_of_is_unchanged_by_later_writes(
    client: httpx.AsyncClient, build: Builder, name: str
) -> None:
    records = await _portfolio(build)
    then = await _moment()
    before = read_ndjson(await export(client, name, format="ndjson"))
    # Later: a second project with everything, and changes to the first.
    await _portfolio(build)
    pid = records["project"]["id"]
    await build.ok("PATCH", f"/v1/projects/{pid}", {"title": "Renamed ward"})
    await build.ok(
        "PATCH", f"/v1/projects/{pid}/benefits/{records['benefit']['id']}", {"title": "Renamed"}
    )
    again = read_ndjson(await export(client, name, format="ndjson", as_of=then))
    assert again.rows == before.rows
    assert read_ndjson(await export(client, name, format="ndjson", as_of=then)).rows == again.rows


@pytest.mark.parametrize("name", NAMES)
async def test_updated_since_gives_the_rows_changed_after(
    client: httpx.AsyncClient, build: Builder, name: str
) -> None:
    first = await _portfolio(build)
    then = await _moment()
    second = await _portfolio(build)
    changed = read_ndjson(await export(client, name, format="ndjson", updated_since=then))
    assert changed.columns[-1] == "deleted"
    assert changed.rows and not any(row["deleted"] for row in changed.rows)
    projects = {row.get("project_id", row.get("id")) for row in changed.rows}
    assert projects == {second["project"]["id"]}
    assert first["project"]["id"] not in projects


async def test_a_deleted_partner_is_in_as_of_and_a_tombstone_since(
    client: httpx.AsyncClient, build: Builder
) -> None:
    project = await build.project()
    draft = await build.draft_map(project["id"], partners=2)
    gone, kept = draft["partners"]
    then = await _moment()
    base = f"/v1/projects/{project['id']}/outcome-maps/{draft['id']}/partners"
    response = await client.delete(f"{base}/{gone['id']}")
    assert response.status_code == 204, response.text
    await build.ok("PATCH", f"{base}/{kept['id']}", {"description": "Changed later"})

    as_of = read_ndjson(await export(client, "boundary_partners", format="ndjson", as_of=then))
    assert sorted(as_of.column("id")) == sorted([gone["id"], kept["id"]])
    assert as_of.by("id")[kept["id"]]["description"] == kept["description"]

    since = read_ndjson(
        await export(client, "boundary_partners", format="ndjson", updated_since=then)
    )
    rows = since.by("id")
    assert rows[gone["id"]]["deleted"] is True and rows[gone["id"]]["name"] is None
    assert rows[kept["id"]]["deleted"] is False
    assert rows[kept["id"]]["description"] == "Changed later"
    live = read_csv(await export(client, "boundary_partners"))
    assert live.column("id") == [kept["id"]]


async def test_filters_by_project_directorate_stage_and_pillar(
    client: httpx.AsyncClient, build: Builder
) -> None:
    medicine = await build.project(directorate="medicine")
    surgery = await build.project(directorate="surgery", pillar="innovation_governance")
    for project in (medicine, surgery):
        await build.ok("POST", f"/v1/projects/{project['id']}/milestones", {"title": "Go live"})

    def projects_of(response: httpx.Response) -> list[str]:
        return read_csv(response).column("project_id")

    assert projects_of(await export(client, "milestones", project_id=surgery["id"])) == [
        surgery["id"]
    ]
    assert projects_of(await export(client, "milestones", directorate="medicine")) == [
        medicine["id"]
    ]
    assert projects_of(await export(client, "milestones", pillar="innovation_governance")) == [
        surgery["id"]
    ]
    assert projects_of(await export(client, "milestones", stage="pilot")) == []
    both = await export(client, "milestones", directorate=["medicine", "surgery"], stage="idea")
    assert sorted(projects_of(both)) == sorted([medicine["id"], surgery["id"]])
    projects = read_csv(await export(client, "projects", directorate="surgery"))
    assert projects.column("id") == [surgery["id"]]


async def test_filters_as_of_use_the_projects_as_they_stood(
    client: httpx.AsyncClient, build: Builder
) -> None:
    project = await build.project(directorate="medicine")
    await build.ok("POST", f"/v1/projects/{project['id']}/milestones", {"title": "Go live"})
    then = await _moment()
    await build.ok("PATCH", f"/v1/projects/{project['id']}", {"directorate": "surgery"})
    rows = read_csv(await export(client, "milestones", directorate="medicine", as_of=then))
    assert rows.column("project_id") == [project["id"]]
    assert read_csv(await export(client, "milestones", directorate="medicine")).rows == []


@pytest.mark.parametrize("name", NAMES)
async def test_contributors_are_refused(
    client: httpx.AsyncClient, tokens: TokenFactory, name: str
) -> None:
    response = await export(client, name, headers=tokens.headers("contributor"))
    assert response.status_code == 403, response.text


async def test_a_viewer_exports_projects_only(
    client: httpx.AsyncClient, build: Builder, tokens: TokenFactory
) -> None:
    await build.project()
    viewer = tokens.headers("viewer")
    assert len(read_csv(await export(client, "projects", headers=viewer)).rows) == 1
    assert (await export(client, "team_roles", headers=viewer)).status_code == 403


async def test_team_roles_carry_no_names_for_anyone(
    client: httpx.AsyncClient, build: Builder, tokens: TokenFactory
) -> None:
    project = await build.project()
    await build.member(project["id"], "nurse-7", "clinical_lead", display_name="Jane Doe")
    for roles in (("reporter",), ("governance",)):
        table = read_csv(await export(client, "team_roles", headers=tokens.headers(*roles)))
        assert "display_name" not in table.columns
        assert "Jane Doe" not in str(table.rows)
        assert {"subject": "nurse-7", "role": "clinical_lead"}.items() <= table.rows[0].items()


async def test_text_cells_are_neutralised_for_spreadsheets(
    client: httpx.AsyncClient, build: Builder
) -> None:
    project = await build.project(title='=HYPERLINK("http://x")', summary="+1 ward")
    await build.ok("POST", f"/v1/projects/{project['id']}/milestones", {"title": "@SUM(A1)"})
    row = read_csv(await export(client, "projects")).rows[0]
    assert row["title"] == '\'=HYPERLINK("http://x")' and row["summary"] == "'+1 ward"
    assert read_xlsx(await export(client, "milestones", format="xlsx")).rows[0]["title"] == (
        "'@SUM(A1)"
    )
