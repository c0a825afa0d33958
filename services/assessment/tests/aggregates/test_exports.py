"""Exports (#12) of the assessment service: every dataset in CSV, NDJSON and XLSX with its
declared columns, filters, `as_of` (reproducible after a change and a delete) or its 422,
`updated_since` with tombstones, roles and the reporter's view of personal free text."""

from __future__ import annotations

import datetime as dt
import inspect
import uuid
from collections.abc import Mapping
from typing import Any

import pytest

import shared.exports.xlsx
from aggregates.conftest import Build, at  # type: ignore[import-not-found]  # rootdir-relative
from assessment_service.evaluation.models import Finding
from assessment_service.exports import DATASETS
from shared.testing import assert_problem
from shared.testing.exports import export, read_csv, read_ndjson, read_xlsx
from shared.testing.fakes import Answer, Call, problem

# The shared XLSX writer lands after CSV/NDJSON (exports-core step 2): read XLSX once it does.
XLSX_READY = "NotImplementedError" not in inspect.getsource(shared.exports.xlsx)
COLUMNS = {dataset.name: list(dataset.column_names) for dataset in DATASETS}


async def _world(build: Build) -> dict[str, Any]:
    project = build.project()
    other = build.project()
    decision = await build.decision_at(
        project,
        "proceed_with_conditions",
        at("2026-03-01T10:00"),
        conditions=[{"text": '=HYPERLINK("x")', "owner": "carl", "due_date": "2026-06-01"}],
    )
    evaluation = await build.evaluation(project, start="2026-01-01")
    build.now(at("2026-03-02T10:00"))
    entry = await build.record(
        evaluation,
        "log",
        {
            "observed_at": "2026-03-02T09:00:00Z",
            "source": "interview",
            "summary": "Named patient said evenings are thin.",
            "tags": ["evening"],
            "contains_personal_data": True,
        },
    )
    finding = await build.record(
        evaluation,
        "findings",
        {
            "statement": "-Evenings are thin",
            "confidence": "medium",
            "first_seen_at": "2026-03-02T10:00:00Z",
        },
    )
    adaptation = await build.pivot(evaluation, at("2026-03-02T11:00"))
    return {
        "project": project,
        "other": other,
        "decision": decision,
        "evaluation": evaluation,
        "entry": entry,
        "finding": finding,
        "adaptation": adaptation,
    }


@pytest.mark.parametrize("name", sorted(COLUMNS))
async def test_every_dataset_in_three_formats(build: Build, reader: Any, name: str) -> None:
    world = await _world(build)
    client = reader("governance", "gov-1")
    csv_table = read_csv(await export(client, name, format="csv"))
    ndjson_table = read_ndjson(await export(client, name, format="ndjson"), COLUMNS[name])
    assert csv_table.columns == COLUMNS[name] == ndjson_table.columns
    assert csv_table.rows, name
    assert len(csv_table.rows) == len(ndjson_table.rows)
    if XLSX_READY:
        xlsx_table = read_xlsx(await export(client, name, format="xlsx"))
        assert xlsx_table.columns == COLUMNS[name]
        assert len(xlsx_table.rows) == len(csv_table.rows)
    projects = {row["project_id"] for row in ndjson_table.rows}
    assert projects == {world["project"]}
    # Filters: the other project has nothing.
    empty = read_csv(await export(client, name, project_id=world["other"]))
    assert empty.rows == []


SCOPE = "/v1/aggregates/project-scope"


async def test_directorate_and_stage_ask_the_project_scope_once(build: Build, reader: Any) -> None:
    world = await _world(build)
    projects = build.projects
    projects.records[uuid.UUID(world["project"])]["directorate"] = "surgery"
    projects.records[uuid.UUID(world["other"])]["directorate"] = "medicine"
    stage = projects.records[uuid.UUID(world["project"])]["stage"]
    client = reader("governance", "gov-1")
    projects.calls.clear()
    projects.scope_requests.clear()
    rows = read_csv(await export(client, "decisions", directorate="surgery", stage=stage)).rows
    assert [r["id"] for r in rows] == [world["decision"]["id"]]
    assert [c.path for c in projects.calls] == [SCOPE]  # one call, no project listing
    assert projects.scope_requests == [{"directorate": ["surgery"], "stage": [stage]}]
    assert read_csv(await export(client, "decisions", directorate="medicine")).rows == []
    other_stage = "closed" if stage != "closed" else "idea"
    assert read_csv(await export(client, "decisions", stage=other_stage)).rows == []
    # Both filters and project_id: their intersection.
    both = await export(client, "decisions", directorate="surgery", project_id=world["other"])
    assert read_csv(both).rows == []


async def test_an_as_of_export_asks_for_the_projects_as_they_stood(
    build: Build, reader: Any
) -> None:
    world = await _world(build)
    moment = at("2026-03-02T12:00")
    build.now(moment + dt.timedelta(minutes=5))
    build.projects.scope_requests.clear()
    response = await export(reader("governance", "gov-1"), "decisions", stage="idea", as_of=moment)
    assert response.status_code == 200, response.text
    assert build.projects.scope_requests == [
        {"directorate": [], "stage": ["idea"], "as_of": "2026-03-02T12:00:00Z"}
    ]
    # The fake answers with the projects as they are now: the decision's project is in idea.
    assert read_csv(response).column("id") == [world["decision"]["id"]]


async def test_too_many_projects_is_the_exports_422(build: Build, reader: Any) -> None:
    projects = build.projects

    def too_many(call: Call, _: Mapping[str, str]) -> Answer:
        return problem(422, "project-scope-too-large", "More than 20000 projects match.")

    projects.route("POST", SCOPE, too_many)
    try:
        response = await export(reader("reporter"), "assessments", stage="idea")
    finally:
        projects.route("POST", SCOPE, projects._scope)
    body = assert_problem(response, 422, "project-scope-too-large")
    assert [error["pointer"] for error in body["errors"]] == ["/stage"]
    assert [error["location"] for error in body["errors"]] == ["query"]


async def test_rows_and_values(build: Build, reader: Any) -> None:
    world = await _world(build)
    client = reader("governance", "gov-1")
    ratings = read_ndjson(await export(client, "criterion_ratings", format="ndjson"))
    assert sorted((r["assessor"], r["criterion_code"], r["value"]) for r in ratings.rows) == [
        ("alice", "likert", "5"),
        ("alice", "ordinal", "4"),
        ("bob", "likert", "5"),
        ("bob", "ordinal", "3"),
    ]
    results = read_ndjson(await export(client, "assessment_results", format="ndjson"))
    assert [(r["domain"], r["criteria_rated"], r["criteria_applicable"]) for r in results.rows] == [
        ("core", 2, 2)
    ]
    decisions = read_csv(await export(client, "decisions"))
    assert decisions.column("id") == [world["decision"]["id"]]
    assert decisions.rows[0]["outcome"] == "proceed_with_conditions"
    # CSV injection neutralised on user text.
    conditions = read_csv(await export(client, "decision_conditions"))
    assert conditions.rows[0]["text"].startswith("'=")
    findings = read_csv(await export(client, "findings"))
    assert findings.rows[0]["statement"] == "'-Evenings are thin"
    if XLSX_READY:
        sheet = read_xlsx(await export(client, "findings", format="xlsx"))
        assert sheet.rows[0]["statement"] == "'-Evenings are thin"


async def test_unmoderated_ratings_are_never_exported(build: Build, reader: Any) -> None:
    project = build.project()
    build.now(at("2026-03-01T09:00"))
    scored = await build.scored(project)
    client = reader("governance", "gov-1")
    before = read_ndjson(await export(client, "criterion_ratings", format="ndjson"))
    assert {r["assessment_id"] for r in before.rows} == {scored["id"]}
    # A second assessment open for rating: its ratings stay out.
    other = build.project()
    await build.call(
        "POST",
        "/v1/assessments",
        json={
            "project_id": other,
            "gate": "g0_triage",
            "template_id": await build.template(),
            "assessors": ["alice", "bob"],
            "panel_chair": "gov-1",
        },
    )
    after = read_ndjson(await export(client, "criterion_ratings", format="ndjson"))
    assert after.rows == before.rows


async def test_as_of_is_reproducible_after_a_change_and_a_delete(
    build: Build, reader: Any, app: Any
) -> None:
    world = await _world(build)
    client = reader("governance", "gov-1")
    moment = at("2026-03-02T12:00")
    build.now(moment + dt.timedelta(minutes=5))
    names = (
        "assessments",
        "decisions",
        "decision_conditions",
        "findings",
        "adaptations",
        "criterion_ratings",
        "assessment_results",
    )
    first = {n: read_csv(await export(client, n, as_of=moment)).rows for n in names}
    # Change after the moment: close the condition (decision and condition change), move the
    # finding; then delete the finding outright.
    build.now(at("2026-03-03T10:00"))
    await build.close_condition(world["decision"], 0, "met", at("2026-03-03T10:00"))
    database = app.state.database
    async with database.sessionmaker() as session:
        found = await session.get(Finding, uuid.UUID(world["finding"]["id"]))
        await session.delete(found)
        await session.commit()
    build.now(at("2026-03-04T10:00"))
    second = {n: read_csv(await export(client, n, as_of=moment)).rows for n in names}
    assert second == first
    assert first["findings"] and first["decision_conditions"][0]["status"] == "open"
    live = read_csv(await export(client, "decision_conditions")).rows
    assert live[0]["status"] == "met"


async def test_updated_since_and_tombstones(build: Build, reader: Any, app: Any) -> None:
    world = await _world(build)
    client = reader("governance", "gov-1")
    since = at("2026-03-02T12:00")
    build.now(at("2026-03-03T10:00"))
    await build.close_condition(world["decision"], 0, "met", at("2026-03-03T10:00"))
    database = app.state.database
    async with database.sessionmaker() as session:
        found = await session.get(Finding, uuid.UUID(world["finding"]["id"]))
        await session.delete(found)
        await session.commit()
    build.now(at("2026-03-04T10:00"))
    conditions = read_csv(await export(client, "decision_conditions", updated_since=since))
    assert conditions.columns[-1] == "deleted"
    assert [(r["status"], r["deleted"]) for r in conditions.rows] == [("met", "false")]
    findings = read_csv(await export(client, "findings", updated_since=since))
    assert [(r["id"], r["deleted"]) for r in findings.rows] == [(world["finding"]["id"], "true")]
    assert read_csv(await export(client, "criterion_ratings", updated_since=since)).rows == []


async def test_learning_log_refuses_as_of_and_withholds_for_reporter(
    build: Build, reader: Any
) -> None:
    world = await _world(build)
    response = await export(
        reader("governance", "gov-1"), "learning_log", as_of=at("2026-03-02T12:00")
    )
    assert_problem(response, 422)
    governance = read_csv(await export(reader("governance", "gov-1"), "learning_log")).rows
    assert governance[0]["summary"].startswith("Named patient")
    reporter = read_csv(await export(reader("reporter"), "learning_log")).rows
    assert reporter[0]["id"] == world["entry"]["id"]
    assert (reporter[0]["summary"], reporter[0]["tags"], reporter[0]["personal_data_withheld"]) == (
        "",
        "",
        "true",
    )


@pytest.mark.parametrize("name", sorted(COLUMNS))
async def test_roles(build: Build, reader: Any, name: str) -> None:
    assert (await export(reader("contributor"), name)).status_code == 403
    assert (await export(reader("reporter"), name)).status_code == 200
    expected = 200 if name in {"learning_log", "findings", "adaptations"} else 403
    assert (await export(reader("evaluator"), name)).status_code == expected
