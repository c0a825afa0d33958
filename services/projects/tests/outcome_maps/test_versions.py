"""Outcome maps: versions (draft, agreed, superseded), agreement by `POST {map}/transitions`,
`allowed_transitions` for the caller, and reads."""

from __future__ import annotations

import httpx

from services.projects.tests.outcome_maps.paths import AGREE, url
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
        assert (agreed["allowed_transitions"], draft["allowed_transitions"]) == ([], ["agreed"])
        second = await client.post(
            url(project["id"], draft["id"], "/transitions"),
            json={"to": "agreed", "agreed_in": "Board", "reason": "Board approved"},
        )
        assert second.status_code == 200, second.text
        body = second.json()
        assert (body["status"], body["agreed_in"], body["allowed_transitions"]) == (
            "agreed",
            "Board",
            [],
        )
        assert second.headers["etag"] == f'"v{body["version"]}"'
        read = await client.get(url(project["id"], draft["id"]))
        assert read.json() == body and read.headers["etag"] == second.headers["etag"]
        old = (await client.get(url(project["id"], agreed["id"]))).json()
        assert old["status"] == "superseded" and old["superseded_at"]
        assert old["allowed_transitions"] == []
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
            await client.post(url(project["id"], draft["id"], "/transitions"), json=AGREE),
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


class TestMapTransitions:
    async def test_moves_with_no_edge_are_409_illegal_transition(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        moves = url(project["id"], agreed["id"], "/transitions")
        for to in ("agreed", "draft"):
            body = assert_problem(
                await client.post(moves, json={"to": to}), 409, "illegal-transition"
            )
            assert "allowed from here: none" in body["detail"]
        body = assert_problem(
            await client.post(moves, json={"to": "superseded"}), 409, "illegal-transition"
        )
        assert "superseded when the next version is agreed" in body["detail"]
        draft = await build.draft_map(project["id"])
        body = assert_problem(
            await client.post(
                url(project["id"], draft["id"], "/transitions"), json={"to": "draft"}
            ),
            409,
            "illegal-transition",
        )
        assert "allowed from here: `agreed`" in body["detail"]

    async def test_a_bad_body_or_a_stale_etag_is_refused(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        moves = url(project["id"], draft["id"], "/transitions")
        for body, pointer in (
            ({"to": "approved"}, "/to"),
            ({}, "/to"),
            ({"to": "agreed", "reason": " "}, "/reason"),
            ({"to": "agreed", "action": "agree"}, "/action"),
        ):
            problem = assert_problem(await client.post(moves, json=body), 422)
            assert pointer in {e["pointer"] for e in problem["errors"]}, problem
        assert_problem(
            await client.post(moves, json=AGREE, headers={"If-Match": '"v999"'}),
            412,
            "precondition-failed",
        )
        current = (await client.get(url(project["id"], draft["id"]))).headers["etag"]
        moved = await client.post(moves, json=AGREE, headers={"If-Match": current})
        assert moved.status_code == 200 and moved.json()["status"] == "agreed"

    async def test_a_reason_is_kept_in_the_audit_trail(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        await client.post(
            url(project["id"], draft["id"], "/transitions"),
            json={"to": "agreed", "reason": "Signed off at the workshop."},
        )
        audit = await client.get(f"/v1/audit?entity_type=outcome_map&entity_id={draft['id']}")
        moves = [row["changes"] for row in audit.json()["items"] if row["action"] == "agreed"]
        assert moves == [
            {
                "status": {"before": "draft", "after": "agreed"},
                "reason": "Signed off at the workshop.",
            }
        ]

    async def test_allowed_transitions_are_for_the_caller(
        self, client: httpx.AsyncClient, build, app, tokens
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        maps = f"/v1/projects/{project['id']}/outcome-maps"
        listed = (await client.get(maps)).json()["items"]
        assert [item["allowed_transitions"] for item in listed] == [["agreed"]]
        async with api_client(app, token=tokens("viewer", sub="vic")) as vic:
            read = (await vic.get(url(project["id"], draft["id"]))).json()
            assert read["allowed_transitions"] == []
            assert {
                tuple(m["allowed_transitions"]) for p in read["partners"] for m in p["markers"]
            } == {()}
            listed = (await vic.get(maps)).json()["items"]
            assert [item["allowed_transitions"] for item in listed] == [[]]
        # A contributor is offered the move; asking without team membership is still a 403.
        async with api_client(app, token=tokens("contributor", sub="dan")) as dan:
            read = (await dan.get(url(project["id"], draft["id"]))).json()
            assert read["allowed_transitions"] == ["agreed"]
            assert_problem(
                await dan.post(url(project["id"], draft["id"], "/transitions"), json=AGREE),
                403,
                "not-a-project-team-member",
            )
        archived = await client.post(
            f"/v1/projects/{project['id']}/archive", json={"reason": "Merged into another project."}
        )
        assert archived.status_code == 200, archived.text
        read = (await client.get(url(project["id"], draft["id"]))).json()
        assert read["allowed_transitions"] == []
        assert [m["allowed_transitions"] for p in read["partners"] for m in p["markers"]] == [[]]

    async def test_the_verb_is_gone(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        assert_problem(await client.post(url(project["id"], draft["id"], "/agree"), json={}), 404)


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
