"""A superseded decision's conditions follow it (#14 item 8): the open ones become
`superseded` (no longer open, never in `?overdue=true`, closable no more); one already met keeps
its history; the correcting decision's own conditions are the open ones."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem

from .conftest import Build, at

CONDITIONS = [
    {"text": "Evening cover agreed", "owner": "carl", "due_date": "2026-02-15"},
    {"text": "DPIA signed", "owner": "carl", "due_date": "2026-03-01"},
]


async def overdue(client: httpx.AsyncClient, project_id: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/decisions/conditions",
        params={"overdue": "true", "as_of": "2026-06-01", "project_id": project_id},
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_open_conditions_follow_the_superseded_decision(
    build: Build, client: httpx.AsyncClient
) -> None:
    project = build.project()
    build.now(at("2026-01-10"))
    assessment = await build.scored(project)
    first = await build.decide(
        assessment, "proceed_with_conditions", at("2026-01-20"), conditions=CONDITIONS
    )
    met = await build.close_condition(first, 0, "met", at("2026-02-10"))
    assert [c["status"] for c in met["conditions"]] == ["met", "open"]
    assert [c["text"] for c in await overdue(client, project)] == ["DPIA signed"]

    correction = await build.decide(
        assessment,
        "adapt",
        at("2026-05-05"),
        supersedes_id=first["id"],
        conditions=[{"text": "Re-scope the pilot", "owner": "carl", "due_date": "2026-05-20"}],
    )
    old = (await client.get(f"/v1/decisions/{first['id']}")).json()
    assert old["status"] == "superseded"
    by_text = {c["text"]: c for c in old["conditions"]}
    assert by_text["Evening cover agreed"]["status"] == "met"  # its history stays
    dpia = by_text["DPIA signed"]
    assert dpia["status"] == "superseded"
    assert dpia["allowed_transitions"] == []
    assert dpia["status_note"] == f"Decision superseded by {correction['id']}."
    assert dpia["closed_at"] is not None

    # Only the correction's own condition is overdue now.
    assert [c["text"] for c in await overdue(client, project)] == ["Re-scope the pilot"]
    opened = await client.get(
        "/v1/decisions/conditions", params={"status": "open", "project_id": project}
    )
    assert [c["text"] for c in opened.json()["items"]] == ["Re-scope the pilot"]

    closing = await client.post(
        f"/v1/decisions/{first['id']}/conditions/{dpia['id']}/transitions",
        json={"to": "met", "reason": "Too late."},
    )
    assert_problem(closing, 409)
