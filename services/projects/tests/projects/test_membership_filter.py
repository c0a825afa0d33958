"""`GET /v1/projects?id=...&team_member=`: the set of projects a subject may write to, in one
call (what the other services ask before a project-scoped write)."""

from __future__ import annotations

import datetime as dt

import httpx

TODAY = dt.date.today()


class TestMembershipFilter:
    async def test_lists_only_the_asked_projects_with_the_subject_active(
        self, client: httpx.AsyncClient, build
    ) -> None:
        mine = await build.project(title="Mine")
        ended = await build.project(title="Ended")
        other = await build.project(title="Other")
        unasked = await build.project(title="Unasked")
        await build.member(mine["id"], "tom")
        await build.member(
            ended["id"],
            "tom",
            start_date=str(TODAY - dt.timedelta(days=30)),
            end_date=str(TODAY - dt.timedelta(days=1)),
        )
        await build.member(other["id"], "someone-else")
        await build.member(unasked["id"], "tom")
        asked = [mine["id"], ended["id"], other["id"]]
        response = await client.get(
            "/v1/projects", params={"id": asked, "team_member": "tom", "limit": 200}
        )
        assert response.status_code == 200, response.text
        assert [p["id"] for p in response.json()["items"]] == [mine["id"]]
        existing = await client.get("/v1/projects", params={"id": asked, "limit": 200})
        assert {p["id"] for p in existing.json()["items"]} == set(asked)

    async def test_more_than_200_ids_is_422(self, client: httpx.AsyncClient) -> None:
        ids = [f"00000000-0000-0000-0000-{n:012d}" for n in range(201)]
        response = await client.get("/v1/projects", params={"id": ids})
        assert response.status_code == 422
