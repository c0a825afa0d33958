"""End to end: the four reports through the gateway, composed by the reporting process from the
real services over TCP (SQLite, or PostgreSQL with CMDI_TEST_DATABASE=postgresql): a project
taken through a G0 decision, then its portfolio, the decision's evidence pack (the same digest
when asked again for the same moment), the meeting's board pack and the project's dossier; who
may read them; and a service stopped: a 503 naming it, or a partial report with `partial`."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from scripts.processes import Stack
from shared.testing import TokenFactory, assert_problem, project_body

pytestmark = pytest.mark.e2e

STAGE_TIMEOUT = 30.0
FORUM = f"E2E reports board {uuid.uuid4().hex[:6]}"
TEMPLATE: dict[str, Any] = {
    "format": "cmdi-framework-template/1",
    "name": "E2E reports triage",
    "semver": "1.0.0",
    "gates_used": ["g0_triage"],
    "scoring_policy": {"min_assessors": 1},
    "domains": [
        {
            "code": "need",
            "label": "Need",
            "criteria": [
                {"code": "need", "question": "Is the need clear?", "scale": "ordinal_0_4"}
            ],
        }
    ],
}


def _client(stack: Stack, tokens: TokenFactory, role: str, sub: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers(role, sub=sub),
        timeout=httpx.Timeout(20.0, connect=2.0),
        trust_env=False,
    )


@pytest.fixture
async def api(stack: Stack, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(stack, tokens, "governance", "e2e-chair") as client:
        yield client


async def ok(response: Any, status: int = 200) -> dict[str, Any]:
    result = await response
    assert result.status_code == status, result.text
    body: dict[str, Any] = result.json()
    return body


@pytest.fixture(scope="module")
async def decided(stack: Stack, tokens: TokenFactory) -> dict[str, Any]:
    """A project with a lead, taken through its G0 decision (recorded for FORUM today), once
    the projects service has applied the decision's stage move."""
    async with (
        _client(stack, tokens, "governance", "e2e-chair") as api,
        _client(stack, tokens, "evaluator", "e2e-assessor") as assessor,
    ):
        project = await ok(api.post("/projects", json=project_body(title="E2E: ward huddles")), 201)
        await ok(
            api.post(
                f"/projects/{project['id']}/team",
                json={
                    "subject": "e2e-lead",
                    "display_name": "E2E Lead",
                    "affiliation": "trust",
                    "role": "project_lead",
                },
            ),
            201,
        )
        template = await ok(api.post("/frameworks/import", json=TEMPLATE), 201)
        await ok(api.post(f"/frameworks/{template['id']}/transitions", json={"to": "active"}))
        assessment = await ok(
            api.post(
                "/assessments",
                json={
                    "project_id": project["id"],
                    "gate": "g0_triage",
                    "template_id": template["id"],
                    "assessors": ["e2e-assessor"],
                    "panel_chair": "e2e-chair",
                },
            ),
            201,
        )
        path = f"/assessments/{assessment['id']}"
        await ok(api.post(f"{path}/transitions", json={"to": "open"}))
        await ok(assessor.put(f"{path}/panel/me/declaration", json={"has_conflict": False}))
        await ok(assessor.put(f"{path}/ratings/need", json={"value": 4, "evidence_level": 4}))
        await ok(assessor.post(f"{path}/panel/me/submission"))
        for to in ("scoring", "moderation"):
            await ok(api.post(f"{path}/transitions", json={"to": to}))
        await ok(api.post(f"{path}/consensus/medians"))
        await ok(api.post(f"{path}/transitions", json={"to": "scored"}))
        decision = await ok(
            api.post(
                "/decisions",
                json={
                    "assessment_id": assessment["id"],
                    "outcome": "proceed",
                    "rationale": "Clear need; scope it.",
                    "forum": FORUM,
                },
            ),
            201,
        )
        deadline = time.monotonic() + STAGE_TIMEOUT
        while time.monotonic() < deadline:
            if (await ok(api.get(f"/projects/{project['id']}")))["stage"] == "scoping":
                break
            await asyncio.sleep(0.25)
        else:
            pytest.fail("the decision did not move the project to scoping")
        await asyncio.sleep(0.01)  # `as_of` strictly after the move
        as_of = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
        return {"project": project, "decision": decision, "as_of": as_of}


async def test_the_portfolio(api: httpx.AsyncClient, decided: dict[str, Any]) -> None:
    body = await ok(api.get("/reports/portfolio", params={"as_of": decided["as_of"]}))
    assert body["partial"] is False and body["view"] == "full"
    assert body["counts"]["projects"] >= 1
    assert {"key": "scoping", "count": body_count(body, "scoping")} in body["counts"]["by_stage"]
    assert body["latest_decisions"]["projects_decided"] >= 1
    assert body["definitions"] and all(body["definitions"].values())
    filtered = await ok(
        api.get(
            "/reports/portfolio",
            params={"as_of": decided["as_of"], "innovation_type": "digital_technology"},
        )
    )
    assert filtered["filters"]["innovation_type"] == "digital_technology"


def body_count(body: dict[str, Any], stage: str) -> int:
    found = [item["count"] for item in body["counts"]["by_stage"] if item["key"] == stage]
    assert found, body["counts"]["by_stage"]
    return int(found[0])


async def test_the_evidence_pack(api: httpx.AsyncClient, decided: dict[str, Any]) -> None:
    path = f"/reports/decisions/{decided['decision']['id']}/evidence"
    pack = await ok(api.get(path, params={"as_of": decided["as_of"]}))
    assert pack["decision"]["outcome"] == "proceed"
    assert pack["assessment"]["template"]["name"] == TEMPLATE["name"]
    assert pack["project"]["id"] == decided["project"]["id"]
    assert pack["engagement"]["project_id"] == decided["project"]["id"]
    assert pack["digest"].startswith("sha256:")
    again = await ok(api.get(path, params={"as_of": decided["as_of"]}))
    assert again["digest"] == pack["digest"]
    assert_problem(await api.get(f"/reports/decisions/{uuid.uuid4()}/evidence"), 404)


async def test_the_board_pack(api: httpx.AsyncClient, decided: dict[str, Any]) -> None:
    meeting_date = decided["decision"]["meeting_date"]
    pack = await ok(
        api.get(
            "/reports/board-pack",
            params={"forum": FORUM, "meeting_date": meeting_date, "as_of": decided["as_of"]},
        )
    )
    [decision] = pack["decisions"]
    assert decision["decision_id"] == decided["decision"]["id"]
    assert decision["project"]["title"] == "E2E: ward huddles"
    assert (
        decision["evidence_pack"] == f"/api/v1/reports/decisions/{decision['decision_id']}/evidence"
    )
    assert pack["conditions"]["open"] >= 0


async def test_the_dossier(
    api: httpx.AsyncClient, decided: dict[str, Any], stack: Stack, tokens: TokenFactory
) -> None:
    path = f"/reports/projects/{decided['project']['id']}/dossier"
    dossier = await ok(api.get(path, params={"as_of": decided["as_of"]}))
    assert dossier["project"]["title"] == "E2E: ward huddles"
    assert [m["subject"] for m in dossier["team"]["members"]] == ["e2e-lead"]
    [move] = [c for c in dossier["stage_history"] if c["decision"]]
    assert move["to_stage"] == "scoping"
    assert move["decision"]["decision_id"] == decided["decision"]["id"]
    # The project's lead reads it; another contributor may not; a reporter sees no one.
    async with _client(stack, tokens, "contributor", "e2e-lead") as lead:
        assert (await ok(lead.get(path)))["view"] == "full"
    async with _client(stack, tokens, "contributor", "e2e-stranger") as stranger:
        assert_problem(await stranger.get(path), 403, "report-forbidden")
    async with _client(stack, tokens, "reporter", "e2e-reporter") as reporter:
        body = await ok(reporter.get(path))
        assert body["view"] == "aggregate"
        assert {m["subject"] for m in body["team"]["members"]} == {None}
        assert_problem(await reporter.get("/reports/portfolio", params={"as_of": "x"}), 422)


async def test_the_reports_are_in_the_public_contract(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, trust_env=False) as client:
        document = (await client.get("/api/openapi.json", timeout=30.0)).json()
    assert {
        "/api/v1/reports/portfolio",
        "/api/v1/reports/decisions/{decision_id}/evidence",
        "/api/v1/reports/board-pack",
        "/api/v1/reports/projects/{project_id}/dossier",
    } <= set(document["paths"])
    assert document["info"]["x-services"]["reporting"] == "ok"


async def test_a_stopped_service_is_named(
    api: httpx.AsyncClient, decided: dict[str, Any], stack: Stack
) -> None:
    path = f"/reports/projects/{decided['project']['id']}/dossier"
    await asyncio.to_thread(stack.terminate, "stakeholders")
    try:
        body = assert_problem(await api.get(path), 503, "upstream-unavailable")
        assert body["service"] == "stakeholders"
        partial = await ok(api.get(path, params={"partial": "true"}))
        assert partial["partial"] is True
        assert [m["section"] for m in partial["missing_sections"]] == ["engagement"]
        assert partial["project"]["id"] == decided["project"]["id"]
    finally:
        await asyncio.to_thread(stack.restart, "stakeholders")
    assert (await ok(api.get(path)))["partial"] is False
