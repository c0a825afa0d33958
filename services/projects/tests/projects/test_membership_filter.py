"""`GET /v1/projects?id=...&team_member=`: the set of projects a subject may write to, in one
call (what the other services ask before a project-scoped write)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest

from projects_service.projects import service

TODAY = dt.date.today()


async def toms_teams(build: Any) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Tom is active on `mine` and on `unasked`; his membership of another ended yesterday, of a
    third starts tomorrow, and a fourth is somebody else's. Returns mine, unasked, and the ids
    asked about (mine, the ended, the future and somebody else's)."""
    mine = await build.project(title="Mine")
    ended = await build.project(title="Ended")
    future = await build.project(title="Future")
    other = await build.project(title="Other")
    unasked = await build.project(title="Unasked")
    await build.member(mine["id"], "tom")
    await build.member(
        ended["id"],
        "tom",
        start_date=str(TODAY - dt.timedelta(days=30)),
        end_date=str(TODAY - dt.timedelta(days=1)),
    )
    await build.member(future["id"], "tom", start_date=str(TODAY + dt.timedelta(days=1)))
    await build.member(other["id"], "someone-else")
    await build.member(unasked["id"], "tom")
    return mine, unasked, [mine["id"], ended["id"], future["id"], other["id"]]


class TestMembershipFilter:
    async def test_lists_only_the_asked_projects_with_the_subject_active(
        self, client: httpx.AsyncClient, build
    ) -> None:
        mine, _, asked = await toms_teams(build)
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


class TestTeamIds:
    """`GET /v1/projects/team-ids`: the same question answered with ids only."""

    async def test_the_filter_s_answer_as_ids(self, client: httpx.AsyncClient, build) -> None:
        mine, unasked, asked = await toms_teams(build)

        response = await client.get(
            "/v1/projects/team-ids", params={"team_member": "tom", "id": asked}
        )
        assert response.status_code == 200, response.text
        assert response.json() == {
            "team_member": "tom",
            "day": TODAY.isoformat(),
            "project_ids": [mine["id"]],
        }
        every = await client.get("/v1/projects/team-ids", params={"team_member": "tom"})
        assert every.json()["project_ids"] == sorted([mine["id"], unasked["id"]])
        listed = await client.get("/v1/projects", params={"team_member": "tom", "limit": 200})
        assert sorted(p["id"] for p in listed.json()["items"]) == every.json()["project_ids"]
        nobody = await client.get("/v1/projects/team-ids", params={"team_member": "nobody"})
        assert nobody.json()["project_ids"] == []

    async def test_the_subject_is_required_and_ids_bounded(self, client: httpx.AsyncClient) -> None:
        missing = await client.get("/v1/projects/team-ids")
        assert missing.status_code == 422
        assert missing.json()["errors"][0]["pointer"] == "/team_member"
        ids = [f"00000000-0000-0000-0000-{n:012d}" for n in range(201)]
        too_many = await client.get(
            "/v1/projects/team-ids", params={"team_member": "tom", "id": ids}
        )
        assert too_many.status_code == 422
        not_an_id = await client.get(
            "/v1/projects/team-ids", params={"team_member": "tom", "id": "x"}
        )
        assert not_an_id.status_code == 422

    async def test_more_than_the_bound_is_422_never_a_partial_answer(
        self, client: httpx.AsyncClient, build, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for title in ("One", "Two"):
            project = await build.project(title=title)
            await build.member(project["id"], "wide")
        monkeypatch.setattr(service, "MAX_TEAM_PROJECTS", 1)
        response = await client.get("/v1/projects/team-ids", params={"team_member": "wide"})
        assert response.status_code == 422
        assert response.json()["type"].endswith("/too-many-team-projects")
