"""The dataset generator writes a small, consistent dataset that the real services serve."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import assessment_service.main
import projects_service.main
import stakeholders_service.main
from assessment_service.settings import Settings as AssessmentSettings
from bench.dataset.generate import Report, run
from bench.dataset.plan import Scale, World, build_world
from projects_service.settings import Settings as ProjectsSettings
from shared.testing import TokenFactory, api_client, backend, empty_database
from stakeholders_service.settings import Settings as StakeholdersSettings

SCALE = Scale(projects=20, seed=7)
APPS: dict[str, tuple[Callable[..., FastAPI], Callable[..., Any]]] = {
    "projects": (projects_service.main.create_app, ProjectsSettings),
    "assessment": (assessment_service.main.create_app, AssessmentSettings),
    "stakeholders": (stakeholders_service.main.create_app, StakeholdersSettings),
}


@pytest.fixture(scope="module")
async def generated(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Report]:
    out = tmp_path_factory.mktemp("dataset")
    async with contextlib.AsyncExitStack() as stack:
        urls: dict[str, str] = {}
        if backend() == "postgresql":  # unique, dropped afterwards (never the bench_* ones)
            for service in APPS:
                urls[service] = await stack.enter_async_context(empty_database(service, "bench"))
        yield await asyncio.to_thread(run, SCALE, backend="sqlite", out=Path(out), urls=urls)


@pytest.fixture(scope="module")
async def clients(
    generated: Report, tokens: TokenFactory
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    apps: dict[str, FastAPI] = {}
    async with contextlib.AsyncExitStack() as stack:
        found = {}
        for service, (create_app, settings) in APPS.items():
            # Projects first: the other two ask it about projects, in-process.
            upstream = {"projects": httpx.ASGITransport(app=apps["projects"])} if apps else {}
            apps[service] = create_app(
                settings(database_url=generated.urls[service], log_json=False, log_level="WARNING"),
                transports=upstream,
            )
            found[service] = await stack.enter_async_context(
                api_client(apps[service], token=tokens("governance", sub="gov-1"))
            )
            found[f"{service}:reporter"] = await stack.enter_async_context(
                api_client(apps[service], token=tokens("reporter", sub="rep-1"))
            )
        try:
            yield found
        finally:
            for app in apps.values():
                await app.state.database.dispose()


@pytest.fixture(scope="module")
def world() -> World:
    return build_world(SCALE)  # the same seed plans the same world


async def _ok(client: httpx.AsyncClient, url: str, **params: Any) -> Any:
    response = await client.get(url, params=params)
    assert response.status_code == 200, (url, response.text)
    return response.json()


def test_counts_follow_the_scale(generated: Report) -> None:
    projects, assessment, stakeholders = (generated.counts[s] for s in APPS)
    assert projects["project"] == 20
    assert 60 <= projects["stage_change"] <= 100
    assert assessment["assessment"] == 6
    assert assessment["decision"] == assessment["assessment"] - 2
    assert stakeholders["stakeholder"] == 40
    assert stakeholders["engagement"] == 200
    assert stakeholders["stakeholder_assessment"] == 92
    assert projects["received_decision"] == assessment["decision"]
    for rows in generated.counts.values():
        assert rows["outbox_event"] >= rows["audit_entry"] > 0


async def test_projects_are_served(clients: dict[str, httpx.AsyncClient], world: World) -> None:
    page = await _ok(clients["projects"], "/v1/projects", limit=100)
    assert {item["id"] for item in page["items"]} == {str(p.id) for p in world.projects}
    moved = next(p for p in world.projects if p.steps)
    history = await _ok(clients["projects"], f"/v1/projects/{moved.id}/transitions")
    items = history["items"] if isinstance(history, dict) else history
    assert [i["to_stage"] for i in items][-1] == moved.stage


async def test_stakeholder_links_resolve(
    clients: dict[str, httpx.AsyncClient], world: World
) -> None:
    ids = {str(p.id) for p in world.projects}
    page = await _ok(clients["stakeholders"], "/v1/stakeholders", limit=5)
    assert page["items"]
    for stakeholder in page["items"]:
        links = await _ok(clients["stakeholders"], f"/v1/stakeholders/{stakeholder['id']}/links")
        items = links["items"] if isinstance(links, dict) else links
        assert items
        for link in items:
            assert link["project_id"] in ids
            await _ok(clients["projects"], f"/v1/projects/{link['project_id']}")


async def test_decisions_match_the_stage_history(
    clients: dict[str, httpx.AsyncClient], world: World
) -> None:
    decided = [a for a in world.assessments if a.decision is not None]
    assert decided
    for plan in decided:
        assert plan.decision is not None
        decision = await _ok(clients["assessment"], f"/v1/decisions/{plan.decision.id}")
        assert decision["assessment_id"] == str(plan.id)
        assert decision["project_id"] == str(plan.project.id)
        assessment = await _ok(clients["assessment"], f"/v1/assessments/{plan.id}")
        assert assessment["status"] == "decided"
        result = await _ok(clients["assessment"], f"/v1/assessments/{plan.id}/result")
        assert result["score"]["recommendation"] == decision["computed_recommendation"]
        history = await _ok(clients["projects"], f"/v1/projects/{plan.project.id}/transitions")
        items = history["items"] if isinstance(history, dict) else history
        by_decision = [i for i in items if i.get("decision_id") == str(plan.decision.id)]
        assert len(by_decision) == (0 if plan.decision.effect == "no_change" else 1)


async def test_change_feeds_page(clients: dict[str, httpx.AsyncClient], generated: Report) -> None:
    for service in APPS:
        client = clients[f"{service}:reporter"]  # the feed is for reporters and services
        after, seen, last_time, more = "0", 0, "", True
        for _ in range(200):  # bounded: the small dataset has a few thousand events at most
            if not more:
                break
            page = await _ok(client, "/v1/events", after=after, limit=100)
            positions = [int(e["position"]) for e in page["items"]]
            assert positions == sorted(positions)
            assert all(e["occurred_at"] >= last_time for e in page["items"])  # time order
            last_time = page["items"][-1]["occurred_at"] if page["items"] else last_time
            seen += len(page["items"])
            after, more = page["next_cursor"], page["has_more"]
        assert not more
        assert seen == generated.counts[service]["outbox_event"]
