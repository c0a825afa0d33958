"""A template edited while it is first used (#14 item 14): the edit gets 409 (never 500, never a
412 nobody asked for) once an assessment pinned the version; two assessments racing on a
version's first use both open. Concurrent requests through the app, and on PostgreSQL a first
use that lands between the edit's read and its write."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from assessment_service.frameworks import repository as framework_repository
from assessment_service.frameworks.models import Framework
from shared.db import utcnow
from shared.testing import FakeProjects, assert_problem

TEMPLATE: dict[str, Any] = {
    "name": "Race",
    "semver": "1.0.0",
    "gates_used": ["g0_triage"],
    "domains": [
        {
            "code": "d1",
            "label": "Domain",
            "criteria": [{"code": "c1", "question": "Good?", "scale": "likert_1_5"}],
        }
    ],
}


async def piloting_template(client: httpx.AsyncClient, semver: str) -> str:
    made = await client.post("/v1/frameworks", json={**TEMPLATE, "semver": semver})
    assert made.status_code == 201, made.text
    moved = await client.post(
        f"/v1/frameworks/{made.json()['id']}/transitions", json={"to": "piloting"}
    )
    assert moved.status_code == 200, moved.text
    return str(made.json()["id"])


def open_assessment(
    client: httpx.AsyncClient, projects: FakeProjects, template_id: str
) -> Awaitable[httpx.Response]:
    return client.post(
        "/v1/assessments",
        json={
            "project_id": str(projects.add_project()),
            "gate": "g0_triage",
            "template_id": template_id,
            "assessors": ["alice", "bob"],
            "panel_chair": "gov-1",
        },
    )


async def test_two_first_uses_at_once_both_open(
    client: httpx.AsyncClient, projects: FakeProjects
) -> None:
    for round_ in range(4):
        template_id = await piloting_template(client, f"1.{round_}.0")
        first, second = await asyncio.gather(
            open_assessment(client, projects, template_id),
            open_assessment(client, projects, template_id),
        )
        assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
        template = (await client.get(f"/v1/frameworks/{template_id}")).json()
        assert template["first_used_at"] is not None


async def test_an_edit_racing_the_first_use_is_a_409_or_lands_first(
    client: httpx.AsyncClient, projects: FakeProjects
) -> None:
    for round_ in range(4):
        template_id = await piloting_template(client, f"2.{round_}.0")
        edit, opened = await asyncio.gather(
            client.patch(f"/v1/frameworks/{template_id}", json={"description": "Edited"}),
            open_assessment(client, projects, template_id),
        )
        assert opened.status_code == 201, opened.text
        if edit.status_code != 200:  # the first use came first: the version is immutable
            assert_problem(edit, 409, "framework-in-use")


@pytest.mark.skipif(
    os.environ.get("CMDI_TEST_DATABASE") != "postgresql",
    reason="SQLite writers hold the database's write lock from their first read: no window",
)
async def test_a_first_use_between_the_edits_read_and_write_is_a_409(
    client: httpx.AsyncClient, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    template_id = await piloting_template(client, "3.0.0")
    real_lock: Callable[..., Awaitable[Framework | None]] = framework_repository.lock

    async def first_use_then_lock(session: Any, framework_id: uuid.UUID) -> Framework | None:
        # Another request pins the version after this edit read it, before it writes.
        async with app.state.database.sessionmaker() as other:
            framework = await other.get(Framework, framework_id)
            assert framework is not None
            framework.first_used_at = utcnow()
            await other.commit()
        return await real_lock(session, framework_id)

    monkeypatch.setattr(framework_repository, "lock", first_use_then_lock)
    edit = await client.patch(f"/v1/frameworks/{template_id}", json={"description": "Edited"})
    assert_problem(edit, 409, "framework-in-use")
    monkeypatch.undo()
    # And the edit changed nothing.
    assert (await client.get(f"/v1/frameworks/{template_id}")).json()["description"] == ""
