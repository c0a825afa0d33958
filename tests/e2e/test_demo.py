"""`make demo` against the platform as `make run` starts it (real processes, change-feed consumers
running): the portfolio it loads has what the reports need (at least 30 projects, every stage
occupied, assessments at every gate, decisions that override the recommendation, carry
conditions open, closed and overdue, one superseded, some awaiting the board, journals over
several quarters, a year of engagements), and a second run changes nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from scripts import demo
from scripts.demo_gate_cases import CHAINS
from scripts.demo_gates import final_stages
from scripts.processes import Stack
from scripts.replicas import PlatformFactory, ReplicaStack
from scripts.services import SERVICES
from shared.testing import (
    TokenFactory,
    test_database as migrated_database,  # (not collected as a test)
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

STAGES = {
    "idea", "scoping", "design", "pilot", "evaluation", "scaling", "embedding", "sustained",
    "closed", "paused", "stopped",
}  # fmt: skip


@pytest.fixture(scope="module")
async def stack(platform_for: PlatformFactory) -> AsyncIterator[Stack | ReplicaStack]:
    """The conftest's stack, with the gateway's default patience: the demo loads in parallel and
    a busy machine can keep a write queued for longer than the conftest's 2 s."""
    async with AsyncExitStack() as exit_stack:
        urls = {
            service.name: await exit_stack.enter_async_context(
                migrated_database(f"e2e_demo_{service.name}", service.alembic_ini)
            )
            for service in SERVICES
        }
        async with platform_for(urls, {}, ready_timeout=60.0) as platform:
            yield platform


@pytest.fixture(scope="module")
async def loaded(stack: Stack) -> tuple[demo.Demo, demo.Demo]:
    """The demo run twice against the module's stack."""
    first = await asyncio.to_thread(demo.run, stack.gateway_url)
    second = await asyncio.to_thread(demo.run, stack.gateway_url)
    return first, second


@pytest.fixture
async def api(stack: Stack, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("governance", sub="e2e-demo-reader"),
        timeout=httpx.Timeout(15.0, connect=2.0),
        trust_env=False,
    ) as client:
        yield client


async def every(api: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, Any]]:
    """Every item of a list, page by page."""
    items: list[dict[str, Any]] = []
    query: dict[str, str] = {"limit": "200", **params}
    while True:
        response = await api.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if not page["next_cursor"]:
            return items
        query["cursor"] = page["next_cursor"]


async def test_the_portfolio_fills_every_stage(
    loaded: tuple[demo.Demo, demo.Demo], api: httpx.AsyncClient
) -> None:
    first, _ = loaded
    projects = await every(api, "/projects")
    assert len(projects) >= 30
    stages = Counter(p["stage"] for p in projects)
    assert set(stages) == STAGES, stages
    by_id = {p["id"]: p for p in projects}
    for slug, stage in final_stages().items():
        assert by_id[first.ids[f"projects:{slug}"]]["stage"] == stage, slug
    assert {p["pillar"] for p in projects} == {"project_innovation", "innovation_governance"}
    assert sum(p["net_zero_relevant"] for p in projects) >= 3
    assert sum(bool(p["core20plus5_tags"]) for p in projects) >= 8


async def test_assessments_and_decisions_at_every_gate(
    loaded: tuple[demo.Demo, demo.Demo], api: httpx.AsyncClient
) -> None:
    assessments = await every(api, "/assessments")
    gates = Counter(a["gate"] for a in assessments)
    assert {"g0_triage", "g1_scoping", "g2_pilot_approval", "g3_post_pilot_review"} <= set(gates)
    assert {"g4_scale_or_adopt", "g5_sustainability_review"} <= set(gates)
    waiting = Counter(a["status"] for a in assessments if a["status"] != "decided")
    assert waiting["scored"] >= 2 and waiting["moderation"] >= 1 and waiting["scoring"] >= 1
    decisions = await every(api, "/decisions")
    assert len(decisions) >= 60
    assert {d["gate"] for d in decisions} == set(gates)
    assert sum(d["overridden"] for d in decisions if d["status"] != "superseded") >= 5
    superseded = [d for d in decisions if d["status"] == "superseded"]
    assert len(superseded) == 1 and superseded[0]["superseded_by_id"]
    assert len({d["meeting_date"] for d in decisions}) >= 12  # the boards' dated meetings
    conditions = await every(api, "/decisions/conditions")
    assert {c["status"] for c in conditions} == {"open", "met", "waived", "breached"}
    overdue = await every(api, "/decisions/conditions", overdue="true")
    assert overdue and all(c["due_date"] < dt.date.today().isoformat() for c in overdue)
    summary = (await api.get("/decisions/override-summary")).json()
    assert summary["overridden"] >= 5 and 0 < summary["override_rate"] < 1


async def test_journals_engagement_and_evaluation_over_time(
    loaded: tuple[demo.Demo, demo.Demo], api: httpx.AsyncClient
) -> None:
    first, _ = loaded
    lung = first.ids["projects:lung-rapid-diagnostics"]
    journal = await every(api, f"/projects/{lung}/outcome-journal")
    assert len({e["period_start"] for e in journal}) >= 4
    assert {e["status"] for e in journal} == {"submitted", "reviewed"}
    for kind in ("strategy-journal", "performance-journal"):
        assert await every(api, f"/projects/{lung}/{kind}"), kind
    engagements = await every(api, "/engagements")
    held = [e for e in engagements if e["status"] == "completed"]
    assert len({e["held_at"][:7] for e in held}) >= 12  # a year of months
    assert {e["status"] for e in engagements} == {"completed", "cancelled", "planned"}
    report = (await api.get("/engagements/equality-report")).json()
    assert report["responses"] >= 100
    evaluations = await every(api, "/evaluation/evaluations")
    assert sum(e["status"] == "active" for e in evaluations) >= 2
    pivots = [
        a
        for e in evaluations
        for a in await every(api, f"/evaluation/evaluations/{e['id']}/adaptations")
        if a["kind"] == "pivot"
    ]
    assert pivots


async def test_a_second_run_creates_nothing(loaded: tuple[demo.Demo, demo.Demo]) -> None:
    first, second = loaded
    created = [(r.area, r.slug) for r in second.results if r.outcome == "created"]
    assert created == []
    assert {k: v for k, v in second.ids.items() if k in first.ids} == {
        k: first.ids[k] for k in second.ids if k in first.ids
    }
    assert len([r for r in second.results if r.area == "gates"]) == sum(
        1 for steps in CHAINS.values() for step in steps if hasattr(step, "gate")
    )
