"""The end of a team role is announced (`team_membership.role_ended`, #14 item 7): the
stakeholders service reads it to flag the relationships the person then owns alone."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from shared.testing import TokenFactory, api_client

Json = dict[str, Any]


async def _ended(app: FastAPI, tokens: TokenFactory) -> list[Json]:
    async with api_client(app, token=tokens("service")) as svc:
        feed = await svc.get("/v1/events?type=team_membership.role_ended")
    items: list[Json] = feed.json()["items"]
    return [item["data"] for item in items]


class TestRoleEnded:
    async def test_recording_an_end_date_announces_it_with_the_roles_left(
        self, client: httpx.AsyncClient, build, app: FastAPI, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        lead = await build.member(project["id"], "dr-shah", "project_lead")
        await build.member(project["id"], "dr-shah", "clinical_lead", end_date="2026-09-30")
        await build.member(project["id"], "dr-shah", "analyst", end_date="2026-05-31")
        url = f"/v1/projects/{project['id']}/team/{lead['id']}"
        await build.ok("PATCH", url, {"end_date": "2026-06-30"}, 200)
        # clinical_lead ends after 30 June (still held then); analyst ended before it.
        assert await _ended(app, tokens) == [
            {
                "membership_id": lead["id"],
                "project_id": project["id"],
                "subject": "dr-shah",
                "role": "project_lead",
                "end_date": "2026-06-30",
                "remaining_roles": ["clinical_lead"],
                "still_on_team": True,
            }
        ]

    async def test_the_last_role_ending_says_not_on_the_team(
        self, client: httpx.AsyncClient, build, app: FastAPI, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        member = await build.member(project["id"], "amir", "project_manager")
        url = f"/v1/projects/{project['id']}/team/{member['id']}"
        await build.ok("PATCH", url, {"end_date": "2026-06-30"}, 200)
        (event,) = await _ended(app, tokens)
        assert (event["remaining_roles"], event["still_on_team"]) == ([], False)

    async def test_other_edits_and_the_same_end_again_announce_nothing(
        self, client: httpx.AsyncClient, build, app: FastAPI, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        member = await build.member(project["id"], "amir", "analyst", end_date="2026-06-30")
        url = f"/v1/projects/{project['id']}/team/{member['id']}"
        await build.ok("PATCH", url, {"fte": 0.5}, 200)
        await build.ok("PATCH", url, {"end_date": "2026-06-30"}, 200)
        await build.ok("PATCH", url, {"end_date": None}, 200)
        assert await _ended(app, tokens) == []
        # Moving the end to another day is a new end.
        await build.ok("PATCH", url, {"end_date": "2026-07-31"}, 200)
        assert [e["end_date"] for e in await _ended(app, tokens)] == ["2026-07-31"]
