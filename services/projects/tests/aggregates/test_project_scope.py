"""`POST /v1/aggregates/project-scope`: the projects another service's export covers, filtered
as the projects exports filter (now, or as the projects stood at `as_of`), bounded, and
readable by the export roles and the service role only."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from projects_service.aggregates import service
from services.projects.tests.aggregates.support import iso
from services.projects.tests.builders import Builder
from shared.testing import TokenFactory, api_client, assert_problem

SCOPE = "/v1/aggregates/project-scope"


async def scope(client: httpx.AsyncClient, **body: Any) -> list[str]:
    response = await client.post(SCOPE, json=body)
    assert response.status_code == 200, response.text
    ids: list[str] = response.json()["project_ids"]
    return ids


async def _moment() -> dt.datetime:
    """A moment strictly between the writes before and after it."""
    await asyncio.sleep(0.01)
    moment = dt.datetime.now(dt.UTC)
    await asyncio.sleep(0.01)
    return moment


async def test_each_filter_and_their_combination(client: httpx.AsyncClient, build: Builder) -> None:
    medicine = (await build.project(directorate="medicine"))["id"]
    surgery = (await build.project(directorate="surgery", pillar="innovation_governance"))["id"]
    other = (await build.project(directorate="estates"))["id"]
    await build.ok("POST", f"/v1/projects/{other}/archive", {"reason": "Duplicate."}, status=200)

    assert await scope(client, directorate=["medicine"]) == [medicine]
    assert await scope(client, directorate=["medicine", "surgery"]) == sorted([medicine, surgery])
    assert await scope(client, pillar=["innovation_governance"]) == [surgery]
    assert await scope(client, status=["archived"]) == [other]
    assert await scope(client, stage=["pilot"]) == []
    assert await scope(client, stage=["idea"], directorate=["surgery", "estates"]) == sorted(
        [surgery, other]
    )
    assert await scope(client, directorate=["surgery"], pillar=["project_innovation"]) == []
    assert await scope(client) == sorted([medicine, surgery, other])


async def test_as_of_matches_the_projects_as_they_stood(
    client: httpx.AsyncClient, build: Builder
) -> None:
    moved = (await build.project(directorate="medicine"))["id"]
    then = await _moment()
    await build.ok("PATCH", f"/v1/projects/{moved}", {"directorate": "surgery"})
    later = (await build.project(directorate="medicine"))["id"]

    response = await client.post(SCOPE, json={"directorate": ["medicine"], "as_of": iso(then)})
    assert response.status_code == 200, response.text
    assert response.json()["project_ids"] == [moved]
    assert response.json()["as_of"] == iso(then)
    # Reproducible, and unlike now.
    assert await scope(client, directorate=["medicine"], as_of=iso(then)) == [moved]
    assert await scope(client, directorate=["medicine"]) == [later]
    assert await scope(client, directorate=["surgery"], as_of=iso(then)) == []
    assert await scope(client, as_of=iso(then)) == [moved]


@pytest.mark.parametrize("historic", [False, True])
async def test_more_than_the_bound_is_a_422(
    client: httpx.AsyncClient, build: Builder, monkeypatch: pytest.MonkeyPatch, historic: bool
) -> None:
    monkeypatch.setattr(service, "MAX_PROJECT_IDS", 2)
    for _ in range(2):
        await build.project(directorate="medicine")
    body: dict[str, Any] = {"directorate": ["medicine"]}
    if historic:
        body["as_of"] = iso(await _moment())
    assert len(await scope(client, **body)) == 2  # exactly the bound is an answer
    await build.project(directorate="medicine")
    if historic:
        body["as_of"] = iso(await _moment())
    problem = assert_problem(await client.post(SCOPE, json=body), 422, "project-scope-too-large")
    assert [error["pointer"] for error in problem["errors"]] == ["/directorate"]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("service", 200),
        ("admin", 200),
        ("governance", 200),
        ("reporter", 200),
        ("viewer", 200),
        ("evaluator", 200),
        ("contributor", 403),
    ],
)
async def test_who_may_ask(app: FastAPI, tokens: TokenFactory, role: str, status: int) -> None:
    async with api_client(app, token=tokens(role)) as api:
        response = await api.post(SCOPE, json={"stage": ["idea"]})
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"stage": ["nowhere"]}, "/stage/0"),
        ({"directorate": [""]}, "/directorate/0"),
        ({"directorate": "medicine"}, "/directorate"),
        ({"colour": ["red"]}, "/colour"),
        ({"as_of": "2026-01-01T00:00:00"}, "/as_of"),
        ({"status": ["active"] * 101}, "/status"),
    ],
)
async def test_bad_bodies_are_422(
    client: httpx.AsyncClient, body: dict[str, Any], pointer: str
) -> None:
    problem = assert_problem(await client.post(SCOPE, json=body), 422)
    assert pointer in [error["pointer"] for error in problem["errors"]]


async def test_as_of_in_the_future(client: httpx.AsyncClient) -> None:
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    problem = assert_problem(
        await client.post(SCOPE, json={"as_of": iso(future)}), 422, "as-of-in-future"
    )
    assert problem["errors"][0] == {
        "pointer": "/as_of",
        "location": "body",
        "detail": "In the future.",
    }
