"""Racing writers on one resource: exactly one If-Match winner (every loser a 412), one row per
Idempotency-Key (the others replays or 409), and many creators at once all succeeding."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import httpx
from fastapi import FastAPI

from shared.testing import TokenFactory, api_client, project_body

NEW_PROJECT = project_body(title="Racing project")
RACERS = 50


async def _create(client: httpx.AsyncClient) -> tuple[str, str]:
    created = await client.post("/v1/projects", json=NEW_PROJECT)
    assert created.status_code == 201, created.text
    return created.json()["id"], created.headers["etag"]


async def test_racing_if_match_has_exactly_one_winner_and_every_loser_gets_412(
    projects_app: FastAPI, tokens: TokenFactory
) -> None:
    async with api_client(projects_app, token=tokens("governance")) as client:
        project_id, etag = await _create(client)
        responses = await asyncio.gather(
            *(
                client.patch(
                    f"/v1/projects/{project_id}",
                    json={"summary": f"writer {i}"},
                    headers={"If-Match": etag},
                )
                for i in range(RACERS)
            )
        )
        statuses = Counter(r.status_code for r in responses)
        assert statuses == {200: 1, 412: RACERS - 1}, statuses
        for loser in (r for r in responses if r.status_code == 412):
            assert loser.headers["content-type"] == "application/problem+json"
            assert loser.json()["type"].endswith("/precondition-failed")
        winner = next(r for r in responses if r.status_code == 200)
        current = await client.get(f"/v1/projects/{project_id}")
        assert current.headers["etag"] == winner.headers["etag"] != etag
        assert current.json()["summary"] == winner.json()["summary"]


async def test_racing_replays_of_one_idempotency_key_create_exactly_one_row(
    projects_app: FastAPI, tokens: TokenFactory
) -> None:
    title = f"Idempotent {uuid.uuid4().hex[:8]}"
    key = {"Idempotency-Key": f"race-{uuid.uuid4()}"}
    async with api_client(projects_app, token=tokens("governance")) as client:
        responses = await asyncio.gather(
            *(
                client.post("/v1/projects", json={**NEW_PROJECT, "title": title}, headers=key)
                for _ in range(RACERS)
            )
        )
        statuses = Counter(r.status_code for r in responses)
        assert set(statuses) <= {201, 409}, statuses
        created = [r for r in responses if r.status_code == 201]
        assert len({r.json()["id"] for r in created}) == 1
        assert sum(r.headers.get("idempotent-replayed") != "true" for r in created) == 1
        for busy in (r for r in responses if r.status_code == 409):
            assert busy.json()["type"].endswith("/idempotency-key-in-progress")
        # Once the race is over every retry is a replay of the one creation.
        again = await client.post("/v1/projects", json={**NEW_PROJECT, "title": title}, headers=key)
        assert again.status_code == 201
        assert again.headers["idempotent-replayed"] == "true"
        listed = await client.get("/v1/projects", params={"q": title})
        assert [item["id"] for item in listed.json()["items"]] == [again.json()["id"]]


async def test_fifty_concurrent_creators_all_succeed_with_distinct_references(
    projects_app: FastAPI, tokens: TokenFactory
) -> None:
    async with api_client(projects_app, token=tokens("governance")) as client:
        responses = await asyncio.gather(
            *(
                client.post("/v1/projects", json={**NEW_PROJECT, "title": f"Creator {i}"})
                for i in range(RACERS)
            )
        )
        assert Counter(r.status_code for r in responses) == {201: RACERS}
        assert len({r.json()["id"] for r in responses}) == RACERS
        assert len({r.json()["reference"] for r in responses}) == RACERS
        listed = await client.get("/v1/projects", params={"limit": 200})
        assert len(listed.json()["items"]) == RACERS
