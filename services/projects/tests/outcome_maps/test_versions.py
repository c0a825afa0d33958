"""Outcome maps: versions (draft, agreed, superseded), agreement and reads."""

from __future__ import annotations

import httpx

from services.projects.tests.outcome_maps.paths import url
from shared.testing import api_client, assert_problem


class TestCreateOutcomeMap:
    async def test_first_version_has_the_eight_practices(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-maps", json={"vision": "V"}
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["map_version"], body["status"], body["vision"]) == (1, "draft", "V")
        first_practice = body["practices"][0]["practice"]
        assert first_practice == "prospecting_new_ideas_opportunities_resources"
        assert len(body["practices"]) == 8 and body["warnings"] == []

    async def test_second_draft_is_409(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        await build.draft_map(project["id"])
        response = await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})
        assert_problem(response, 409, "outcome-map-draft-exists")


class TestAgreeOutcomeMap:
    async def test_agree_then_edit_clones_a_new_draft_version(
        self, client: httpx.AsyncClient, build, app, tokens
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(
            project["id"], partners=2, markers=("expect_to_see", "like_to_see")
        )
        assert agreed["status"] == "agreed" and agreed["agreed_in"] == "Workshop 3 March"
        response = await client.patch(
            url(project["id"], agreed["id"]), json={"mission": "Revised mission"}
        )
        assert response.status_code == 201
        draft = response.json()
        assert (draft["map_version"], draft["status"], draft["supersedes_id"]) == (
            2,
            "draft",
            agreed["id"],
        )
        assert draft["mission"] == "Revised mission" and draft["vision"] == agreed["vision"]
        assert [p["lineage_id"] for p in draft["partners"]] == [
            p["lineage_id"] for p in agreed["partners"]
        ]
        assert all(m["cloned_from_id"] for p in draft["partners"] for m in p["markers"])
        assert response.headers["location"].endswith(draft["id"])
        second = await client.post(
            url(project["id"], draft["id"], "/agree"), json={"agreed_in": "Board"}
        )
        assert second.json()["status"] == "agreed"
        old = (await client.get(url(project["id"], agreed["id"]))).json()
        assert old["status"] == "superseded" and old["superseded_at"]
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=outcome_map.agreed")).json()["items"]
        assert [e["data"]["map_version"] for e in events] == [1, 2]
        assert events[1]["data"]["supersedes_id"] == agreed["id"]

    async def test_incomplete_map_is_422_with_pointers(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = (
            await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={"vision": "V"})
        ).json()
        await client.post(url(project["id"], draft["id"], "/partners"), json={"name": "GPs"})
        body = assert_problem(
            await client.post(url(project["id"], draft["id"], "/agree"), json={}),
            422,
            "outcome-map-incomplete",
        )
        assert {e["pointer"] for e in body["errors"]} == {
            "/mission",
            "/partners/0/outcome_challenge",
            "/partners/0/markers",
        }

    async def test_agreed_map_elements_are_read_only(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        partner = agreed["partners"][0]
        response = await client.post(
            url(project["id"], agreed["id"], f"/partners/{partner['id']}/markers"),
            json={"level": "love_to_see", "text": "x"},
        )
        assert_problem(response, 409, "outcome-map-read-only")
        assert_problem(
            await client.post(url(project["id"], agreed["id"], "/agree"), json={}),
            409,
            "outcome-map-read-only",
        )


class TestReadAccess:
    async def test_etag_changes_when_an_element_changes(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        first = await client.get(url(project["id"], draft["id"]))
        etag = first.headers["etag"]
        assert (
            await client.get(url(project["id"], draft["id"]), headers={"If-None-Match": etag})
        ).status_code == 304
        await client.post(url(project["id"], draft["id"], "/partners"), json={"name": "Pharmacy"})
        assert (
            await client.get(url(project["id"], draft["id"]), headers={"If-None-Match": etag})
        ).status_code == 200

    async def test_map_of_another_project_is_404(self, client: httpx.AsyncClient, build) -> None:
        first, second = await build.project(), await build.project(title="Other")
        draft = await build.draft_map(first["id"])
        assert_problem(
            await client.get(url(second["id"], draft["id"])), 404, "outcome-map-not-found"
        )
