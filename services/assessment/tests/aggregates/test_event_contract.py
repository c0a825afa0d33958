"""The assessment service's event contract: a representative run of its writes (a template
imported and activated, an assessment through its panel to `scored`, a decision with conditions
closed and then superseded, a developmental evaluation with a question, a finding and a pivot
implemented) and every event they put on the feed validates against the catalog it publishes at
`GET /v1/events/schemas`; its source declares nothing the catalog lacks."""

from __future__ import annotations

from fastapi import FastAPI

from shared.testing import TokenFactory, api_client
from shared.testing.event_schemas import catalog, feed_events, undeclared, violations

from .conftest import Build, at

CONDITIONS = [
    {"text": "Evening cover agreed", "owner": "carl", "due_date": "2026-02-15"},
    {"text": "DPIA signed", "owner": "carl", "due_date": "2026-03-01"},
]


async def _writes(build: Build) -> None:
    project = build.project()
    build.now(at("2026-01-10"))
    assessment = await build.scored(project)
    first = await build.decide(
        assessment, "proceed_with_conditions", at("2026-01-20"), conditions=CONDITIONS
    )
    await build.close_condition(first, 0, "met", at("2026-02-10"))
    await build.decide(assessment, "adapt", at("2026-05-05"), supersedes_id=first["id"])
    evaluation = await build.evaluation(project, start="2026-01-01")
    question = await build.record(evaluation, "questions", {"text": "What makes nights safe?"})
    entry = await build.record(
        evaluation,
        "log",
        {
            "observed_at": "2026-03-02T10:00:00Z",
            "source": "interview",
            "summary": "Ward sister: evenings are thin.",
            "tags": ["evening-cover"],
        },
    )
    finding = await build.record(
        evaluation,
        "findings",
        {
            "statement": "Escalations cluster after 18:00.",
            "confidence": "medium",
            "first_seen_at": "2026-03-10T09:00:00Z",
            "evidence_log_ids": [entry["id"]],
        },
    )
    await build.call(
        "POST",
        f"/v1/evaluation/findings/{finding['id']}/transitions",
        who=("eve", "evaluator"),
        json={"to": "tested"},
    )
    pivot = await build.pivot(evaluation, at("2026-04-01"))
    await build.implement(pivot["id"], at("2026-04-10"))
    assert question["id"]


async def test_every_event_of_a_representative_run_matches_the_catalog(
    build: Build, app: FastAPI, tokens: TokenFactory
) -> None:
    await _writes(build)
    async with api_client(app, token=tokens("service")) as service:
        document = await catalog(service)
        events = await feed_events(service)
    emitted = {event["type"] for event in events}
    domain = {e["type"] for e in document["event_types"] if "domain" in e["kinds"]}
    assert domain <= emitted, sorted(domain - emitted)
    assert {"assessment.score_frozen", "decision_condition.met", "panel_member.submitted"} <= (
        emitted
    )
    assert violations(document, events) == []


async def test_the_source_emits_nothing_the_catalog_lacks(
    app: FastAPI, tokens: TokenFactory
) -> None:
    async with api_client(app, token=tokens("viewer")) as viewer:
        document: dict[str, object] = await catalog(viewer)
    assert undeclared("assessment", document) == []


async def test_the_catalog_answers_every_role_and_refuses_no_token(
    app: FastAPI, tokens: TokenFactory
) -> None:
    async with api_client(app, token=None) as anonymous:
        response = await anonymous.get("/v1/events/schemas")
    assert response.status_code == 401
    async with api_client(app, token=tokens("reporter")) as reporter:
        first = await reporter.get("/v1/events/schemas")
        again = await reporter.get("/v1/events/schemas")
    assert first.status_code == 200 and first.json() == again.json()
    assert first.json()["service"] == "assessment"
