"""Decisions cite developmental-evaluation items (#14 item 6): findings, learning-log entries and
adaptations of the assessment's project, each checked to exist (422 with a pointer otherwise),
kept with the text they had, and shown in the decision's evidence pack."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem

from .conftest import Build, at, iso


async def evaluation_items(build: Build, project: str) -> dict[str, dict[str, Any]]:
    evaluation = await build.evaluation(project, start="2026-01-01")
    entry = await build.record(
        evaluation,
        "log",
        {
            "observed_at": iso(at("2026-02-01T10:00")),
            "source": "interview",
            "summary": "Ward sister: evenings are thin.",
        },
    )
    finding = await build.record(
        evaluation,
        "findings",
        {
            "statement": "Escalations cluster after 18:00.",
            "confidence": "medium",
            "first_seen_at": iso(at("2026-02-02T10:00")),
            "evidence_log_ids": [entry["id"]],
        },
    )
    adaptation = await build.pivot(evaluation, at("2026-02-03T10:00"))
    return {"entry": entry, "finding": finding, "adaptation": adaptation}


async def test_a_decision_cites_evaluation_items(build: Build, client: httpx.AsyncClient) -> None:
    project = build.project()
    build.now(at("2026-02-01"))
    items = await evaluation_items(build, project)
    assessment = await build.scored(project)
    decision = await build.decide(
        assessment,
        "proceed",
        at("2026-03-01"),
        citations=[
            {"kind": "finding", "id": items["finding"]["id"]},
            {"kind": "learning_log_entry", "id": items["entry"]["id"]},
            {"kind": "adaptation", "id": items["adaptation"]["id"]},
            {"kind": "finding", "id": items["finding"]["id"]},  # twice: kept once
        ],
    )
    expected = [
        ("finding", items["finding"]["id"], "Escalations cluster after 18:00."),
        ("learning_log_entry", items["entry"]["id"], "Ward sister: evenings are thin."),
        ("adaptation", items["adaptation"]["id"], "Move from home visits to remote monitoring."),
    ]
    assert [(c["kind"], c["id"], c["summary"]) for c in decision["citations"]] == expected
    assert {c["evaluation_id"] for c in decision["citations"]} == {
        items["finding"]["evaluation_id"]
    }
    pack = await client.get(f"/v1/aggregates/decisions/{decision['id']}/evidence")
    assert pack.status_code == 200, pack.text
    cited = pack.json()["decision"]["citations"]
    assert [(c["kind"], c["id"], c["summary"]) for c in cited] == expected


async def test_citations_must_exist_for_the_project(
    build: Build, client: httpx.AsyncClient
) -> None:
    project, other = build.project(), build.project()
    build.now(at("2026-02-01"))
    theirs = await evaluation_items(build, other)
    assessment = await build.scored(project)
    response = await client.post(
        "/v1/decisions",
        json={
            "assessment_id": assessment["id"],
            "outcome": "proceed",
            "forum": "Board",
            "citations": [
                {"kind": "finding", "id": theirs["finding"]["id"]},  # another project's
                {"kind": "adaptation", "id": theirs["finding"]["id"]},  # the wrong kind
                {"kind": "learning_log_entry", "id": "01a23456-0000-7000-8000-000000000000"},
            ],
        },
    )
    body = assert_problem(response, 422, "cited-item-not-found")
    assert [e["pointer"] for e in body["errors"]] == [
        "/citations/0/id",
        "/citations/1/id",
        "/citations/2/id",
    ]
    bad_kind = await client.post(
        "/v1/decisions",
        json={
            "assessment_id": assessment["id"],
            "outcome": "proceed",
            "forum": "Board",
            "citations": [{"kind": "question", "id": theirs["finding"]["id"]}],
        },
    )
    assert_problem(bad_kind, 422)
