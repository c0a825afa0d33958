"""Outcome maps: graduated progress markers, revised or retired with a rationale."""

from __future__ import annotations

import httpx

from services.projects.tests.outcome_maps.paths import url
from shared.testing import api_client, assert_problem


class TestProgressMarkers:
    async def test_only_the_three_levels_exist(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        partner = draft["partners"][0]
        response = await client.post(
            url(project["id"], draft["id"], f"/partners/{partner['id']}/markers"),
            json={"level": "hope_to_see", "text": "x"},
        )
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/level"

    async def test_draft_marker_edits_freely_and_revises_without_rationale(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        marker = draft["partners"][0]["markers"][0]
        edited = await client.patch(
            url(project["id"], draft["id"], f"/markers/{marker['id']}"), json={"text": "Clearer"}
        )
        assert edited.status_code == 200 and edited.json()["text"] == "Clearer"
        revised = await client.post(
            url(project["id"], draft["id"], f"/markers/{marker['id']}/revise"),
            json={"text": "Clearer still"},
        )
        assert revised.status_code == 201

    async def test_revision_after_agreement_needs_rationale(
        self, client: httpx.AsyncClient, build, app, tokens
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        draft = (await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})).json()
        marker = draft["partners"][0]["markers"][0]
        assert_problem(
            await client.patch(
                url(project["id"], draft["id"], f"/markers/{marker['id']}"),
                json={"text": "New words"},
            ),
            409,
            "agreed-marker-needs-revision",
        )
        body = assert_problem(
            await client.post(
                url(project["id"], draft["id"], f"/markers/{marker['id']}/revise"),
                json={"text": "New words"},
            ),
            422,
            "revision-rationale-required",
        )
        assert {e["pointer"] for e in body["errors"]} == {"/rationale_category", "/rationale_note"}
        response = await client.post(
            url(project["id"], draft["id"], f"/markers/{marker['id']}/revise"),
            json={
                "text": "New words",
                "rationale_category": "change_in_context",
                "rationale_note": "New discharge policy",
            },
        )
        successor = response.json()
        assert response.status_code == 201 and successor["revises_id"] == marker["id"]
        old = next(
            m
            for m in (await client.get(url(project["id"], draft["id"]))).json()["partners"][0][
                "markers"
            ]
            if m["id"] == marker["id"]
        )
        assert (old["state"], old["replaced_by_id"]) == ("revised", successor["id"])
        assert_problem(
            await client.post(
                url(project["id"], draft["id"], f"/markers/{marker['id']}/retire"), json={}
            ),
            409,
            "progress-marker-not-active",
        )
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=progress_marker.revised")).json()["items"]
        assert events[0]["data"]["rationale_category"] == "change_in_context"
        assert events[0]["data"]["after_agreement"] is True
        assert agreed["partners"][0]["markers"][0]["state"] == "active"

    async def test_markers_are_never_deleted(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        marker = draft["partners"][0]["markers"][0]
        response = await client.delete(url(project["id"], draft["id"], f"/markers/{marker['id']}"))
        assert response.status_code == 405
