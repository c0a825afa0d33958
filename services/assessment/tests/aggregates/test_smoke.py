"""Smoke: the aggregate routes answer on an empty database."""

from __future__ import annotations

import httpx


async def test_governance_empty(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/aggregates/governance", json={"project_ids": None})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["projects_decided"] == 0
    assert body["conditions"] == {"open": 0, "past_due": 0}


async def test_governance_ids(client: httpx.AsyncClient) -> None:
    import uuid

    response = await client.post(
        "/v1/aggregates/governance", json={"project_ids": [str(uuid.uuid4())]}
    )
    assert response.status_code == 200, response.text
