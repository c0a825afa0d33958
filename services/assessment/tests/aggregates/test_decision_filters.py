"""`GET /v1/decisions?forum=&meeting_date=`: one meeting's decisions, for the board pack; a
decision's `meeting_date` defaults to the day it was recorded."""

from __future__ import annotations

import httpx
import pytest

from shared.testing import assert_problem

from .conftest import Build, at


async def test_a_meetings_decisions(build: Build, client: httpx.AsyncClient) -> None:
    march = await build.decision_at(
        build.project(), "proceed", at("2026-03-02T10:00"), meeting_date="2026-02-28"
    )
    same_day_elsewhere = await build.decision_at(
        build.project(), "stop", at("2026-03-02T11:00"), meeting_date="2026-02-28", forum="Panel"
    )
    defaulted = await build.decision_at(build.project(), "pause", at("2026-03-03T10:00"))
    build.now(at("2026-04-01T00:00"))
    assert defaulted["meeting_date"] == "2026-03-03"

    async def ids(**params: str) -> list[str]:
        response = await client.get("/v1/decisions", params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(forum="Board", meeting_date="2026-02-28") == [march["id"]]
    assert await ids(meeting_date="2026-02-28", sort="decided_at") == [
        march["id"],
        same_day_elsewhere["id"],
    ]
    assert await ids(forum="Panel") == [same_day_elsewhere["id"]]
    assert await ids(forum="Board", meeting_date="2026-03-03") == [defaulted["id"]]
    assert await ids(forum="board") == []  # exact
    listed = (await client.get("/v1/decisions", params={"forum": "Panel"})).json()["items"][0]
    assert listed["meeting_date"] == "2026-02-28"


@pytest.mark.parametrize("params", [{"meeting_date": "28/02/2026"}, {"forum": "x" * 201}])
async def test_bad_filters(client: httpx.AsyncClient, params: dict[str, str]) -> None:
    assert_problem(await client.get("/v1/decisions", params=params), 422)
