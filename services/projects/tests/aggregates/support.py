"""Helpers of the aggregates suite: reading the portfolio aggregate, recording decisions from
the (simulated) assessment feed, and stage moves at instants the test's clock chooses."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from shared.testing import FakeAssessment

Json = dict[str, Any]
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PORTFOLIO = "/v1/aggregates/portfolio"


def iso(at: dt.datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def portfolio(client: httpx.AsyncClient, **params: Any) -> Json:
    query = {k: iso(v) if isinstance(v, dt.datetime) else v for k, v in params.items()}
    response = await client.get(PORTFOLIO, params=query)
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body


def counts(items: list[Json]) -> dict[str | None, int]:
    """A CountItem list as {key: count}, zero counts left out."""
    return {item["key"]: item["count"] for item in items if item["count"]}


def by_gate(body: Json) -> dict[str, Json]:
    return {row["gate"]: row for row in body["gate_funnel"]}


def by_stage(body: Json) -> dict[str, Json]:
    return {row["stage"]: row for row in body["days_in_stage"]}


async def decide(
    app: FastAPI,
    assessment: FakeAssessment,
    project_id: str,
    gate: str,
    outcome: str,
    *,
    decided_at: dt.datetime,
    supersedes_id: str | None = None,
) -> str:
    """Publish one `decision.recorded` and let the projects consumer apply it (received at the
    clock's now). Returns the decision id."""
    decision_id = str(uuid.uuid4())
    assessment.publish(
        "decision.recorded",
        {
            "decision_id": decision_id,
            "assessment_id": str(uuid.uuid4()),
            "project_id": project_id,
            "gate": gate,
            "outcome": outcome,
            "computed_recommendation": "proceed",
            "decided_at": iso(decided_at),
            "supersedes_id": supersedes_id,
        },
        entity_type="decision",
    )
    await app.state.consumers["assessment"].step()
    return decision_id


async def move(client: httpx.AsyncClient, project_id: str, to: str) -> Json:
    response = await client.post(
        f"/v1/projects/{project_id}/transitions", json={"to": to, "reason": "Test move"}
    )
    assert response.status_code == 200, response.text
    body: Json = response.json()
    return body
