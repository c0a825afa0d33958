"""End to end: a governance decision recorded in the assessment service moves the project's
stage in the projects service (it consumes `decision.recorded` from the assessment change feed),
with real processes over TCP through the gateway; and nothing is lost when the projects
service is down while the decision is recorded: once it is back, the stage changes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from scripts.processes import Stack
from shared.testing import TokenFactory, project_body

pytestmark = pytest.mark.e2e

STAGE_TIMEOUT = 30.0  # the consumer polls every second and backs off while the feed fails
TEMPLATE: dict[str, Any] = {
    "format": "cmdi-framework-template/1",
    "name": "E2E triage",
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


@pytest.fixture
async def api(stack: Stack, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("governance", sub="e2e-chair"),
        timeout=httpx.Timeout(10.0, connect=2.0),
        trust_env=False,
    ) as client:
        yield client


@pytest.fixture
async def assessor(stack: Stack, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("evaluator", sub="e2e-assessor"),
        timeout=httpx.Timeout(10.0, connect=2.0),
        trust_env=False,
    ) as client:
        yield client


async def ok(response: Any, status: int = 200) -> dict[str, Any]:
    result = await response
    assert result.status_code == status, result.text
    body: dict[str, Any] = result.json()
    return body


async def template_id(api: httpx.AsyncClient) -> str:
    found = (await ok(api.get("/frameworks", params={"name": TEMPLATE["name"]})))["items"]
    if found:
        return str(found[0]["id"])
    created = await ok(api.post("/frameworks/import", json=TEMPLATE), 201)
    await ok(api.post(f"/frameworks/{created['id']}/transitions", json={"to": "active"}))
    return str(created["id"])


async def scored_assessment(
    api: httpx.AsyncClient, assessor: httpx.AsyncClient, title: str
) -> dict[str, Any]:
    """A new project at `idea` and its G0 triage assessment, taken to `scored`."""
    project = await ok(
        api.post(
            "/projects",
            json=project_body(title=title),
        ),
        201,
    )
    assessment = await ok(
        api.post(
            "/assessments",
            json={
                "project_id": project["id"],
                "gate": "g0_triage",
                "template_id": await template_id(api),
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
    return await ok(api.post(f"{path}/transitions", json={"to": "scored"}))


async def record_proceed(api: httpx.AsyncClient, assessment: dict[str, Any]) -> dict[str, Any]:
    return await ok(
        api.post(
            "/decisions",
            json={
                "assessment_id": assessment["id"],
                "outcome": "proceed",
                "rationale": "Clear need; scope it.",
                "forum": "Innovation Board",
            },
        ),
        201,
    )


async def stage_of(api: httpx.AsyncClient, project_id: str, wanted: str) -> str:
    """The project's stage, polled until it is `wanted` or the deadline passes."""
    deadline = time.monotonic() + STAGE_TIMEOUT
    stage = ""
    while time.monotonic() < deadline:
        response = await api.get(f"/projects/{project_id}")
        if response.status_code == 200:
            stage = str(response.json()["stage"])
            if stage == wanted:
                return stage
        await asyncio.sleep(0.25)
    return stage


async def test_a_recorded_decision_moves_the_project_stage(
    api: httpx.AsyncClient, assessor: httpx.AsyncClient
) -> None:
    assessment = await scored_assessment(api, assessor, "E2E: ward rounds checklist")
    assert assessment["recommendation"] == "proceed"
    await record_proceed(api, assessment)
    assert await stage_of(api, assessment["project_id"], "scoping") == "scoping"


async def test_the_stage_still_changes_when_projects_was_down(
    api: httpx.AsyncClient, assessor: httpx.AsyncClient, stack: Stack
) -> None:
    assessment = await scored_assessment(api, assessor, "E2E: discharge lounge")
    await asyncio.to_thread(stack.terminate, "projects")
    try:
        # The decision needs only the assessment service: it is recorded, and its event waits
        # in the assessment outbox.
        decision = await record_proceed(api, assessment)
        assert decision["status"] == "recorded"
        down = await api.get(f"/projects/{assessment['project_id']}")
        assert down.status_code == 503
    finally:
        await asyncio.to_thread(stack.restart, "projects")
    assert await stage_of(api, assessment["project_id"], "scoping") == "scoping"
    stages = await ok(api.get(f"/projects/{assessment['project_id']}/transitions"))
    assert [s["to_stage"] for s in stages["items"]][-1:] == ["scoping"]
