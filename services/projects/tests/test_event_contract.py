"""The projects service's event contract: a representative run of its writes (registry, team,
outcome maps, the three journals, benefits, stage moves from a decision and by hand, archiving)
and every event they put on the feed validates against the catalog it publishes at
`GET /v1/events/schemas`; its source declares nothing the catalog lacks."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from services.projects.tests.benefits.test_routes import benefit
from services.projects.tests.builders import Builder
from services.projects.tests.projects.test_decision_consumer import consume, decision, record
from shared.testing import FakeAssessment, TokenFactory, api_client
from shared.testing.event_schemas import catalog, feed_events, undeclared, violations


async def _writes(
    client: httpx.AsyncClient, app: FastAPI, build: Builder, assessment: FakeAssessment
) -> None:
    project = await build.project()
    pid = project["id"]
    await build.ok("PATCH", f"/v1/projects/{pid}", {"title": "Virtual ward, frailty"}, 200)
    lead = await build.member(pid, "dr-shah", "project_lead")
    await build.member(pid, "dr-okafor", "analyst")
    await build.ok(
        "PATCH", f"/v1/projects/{pid}/team/{lead['id']}", {"end_date": "2026-06-30"}, 200
    )
    milestone = await build.ok("POST", f"/v1/projects/{pid}/milestones", {"title": "Pilot live"})
    await build.ok(
        "PATCH", f"/v1/projects/{pid}/milestones/{milestone['id']}", {"title": "Pilot go-live"}, 200
    )
    created = await benefit(client, pid)
    await build.ok(
        "POST",
        f"/v1/projects/{pid}/benefits/{created['id']}/values",
        {"value_type": "validated", "amount": 120, "as_at": "2026-03-31", "validated_by": "fin"},
    )
    agreed = await build.agreed_map_with_strategies(pid)
    partner = agreed["partners"][0]
    markers = {m["id"]: "medium" for m in partner["markers"]}
    await build.journal(pid, partner, "2026-01-01", "2026-03-31", markers)
    strategies = [s["id"] for s in partner.get("strategies", [])]
    await build.strategy_journal(pid, agreed, "2026-01-01", "2026-03-31", strategies)
    await build.performance_journal(
        pid,
        agreed,
        "2026-01-01",
        "2026-03-31",
        {"prospecting_new_ideas_opportunities_resources": "high"},
    )
    # The next version: a draft cloned from the agreed one, a marker revised with a rationale.
    draft = await build.ok("POST", f"/v1/projects/{pid}/outcome-maps", {})
    base = f"/v1/projects/{pid}/outcome-maps/{draft['id']}"
    marker = draft["partners"][0]["markers"][0]
    await build.ok(
        "POST",
        f"{base}/partners/{marker['boundary_partner_id']}/markers",
        {
            "level": "like_to_see",
            "text": "Refers on day one, every day",
            "revises_id": marker["id"],
            "rationale_category": "new_learning",
            "rationale_note": "Agreed at the review.",
        },
    )
    await build.ok("POST", f"{base}/transitions", {"to": "agreed", "agreed_in": "Review"}, 200)
    record(assessment, decision(pid, "g0_triage", "proceed"))
    await consume(app)
    await build.ok("POST", f"/v1/projects/{pid}/transitions", {"to": "paused", "reason": "x"}, 200)
    other = await build.project()
    await build.ok("POST", f"/v1/projects/{other['id']}/archive", {"reason": "Merged."}, 200)


async def test_every_event_of_a_representative_run_matches_the_catalog(
    client: httpx.AsyncClient,
    app: FastAPI,
    build: Builder,
    assessment: FakeAssessment,
    tokens: TokenFactory,
) -> None:
    await _writes(client, app, build, assessment)
    async with api_client(app, token=tokens("service")) as service:
        document = await catalog(service)
        events = await feed_events(service)
    emitted = {event["type"] for event in events}
    # The run reaches every domain event of the service and each kind of row change.
    domain = {e["type"] for e in document["event_types"] if "domain" in e["kinds"]}
    assert domain <= emitted, sorted(domain - emitted)
    assert {"project.created", "project.updated", "project.archived"} <= emitted
    assert violations(document, events) == []


async def test_the_source_emits_nothing_the_catalog_lacks(
    app: FastAPI, tokens: TokenFactory
) -> None:
    async with api_client(app, token=tokens("viewer")) as viewer:
        document = await catalog(viewer)
    assert undeclared("projects", document) == []
    audited = {
        e["type"].split(".")[0] for e in document["event_types"] if "row_change" in e["kinds"]
    }
    assert {"project", "team_membership", "outcome_map", "progress_marker"} <= audited
