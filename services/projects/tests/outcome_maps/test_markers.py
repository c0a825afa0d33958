"""Outcome maps: graduated progress markers, revised (a successor created with `revises_id`) or
retired (`POST {marker}/transitions {"to": "retired"}`) with a rationale."""

from __future__ import annotations

import httpx

from services.projects.tests.outcome_maps.paths import AGREE, url
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
        assert edited.json()["allowed_transitions"] == ["retired"]
        markers = url(
            project["id"], draft["id"], f"/partners/{marker['boundary_partner_id']}/markers"
        )
        revised = await client.post(
            markers,
            json={"level": "like_to_see", "text": "Clearer still", "revises_id": marker["id"]},
        )
        assert revised.status_code == 201, revised.text
        successor = revised.json()
        assert (successor["revises_id"], successor["level"]) == (marker["id"], "like_to_see")
        assert (
            successor["position"] == marker["position"] and successor["weight"] == marker["weight"]
        )
        assert revised.headers["location"].endswith(f"/markers/{successor['id']}")
        assert successor["allowed_transitions"] == ["retired"]

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
        markers = url(
            project["id"], draft["id"], f"/partners/{marker['boundary_partner_id']}/markers"
        )
        revision = {"level": marker["level"], "text": "New words", "revises_id": marker["id"]}
        body = assert_problem(
            await client.post(markers, json=revision), 422, "revision-rationale-required"
        )
        assert {e["pointer"] for e in body["errors"]} == {"/rationale_category", "/rationale_note"}
        response = await client.post(
            markers,
            json={
                **revision,
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
        assert old["allowed_transitions"] == []
        assert_problem(
            await client.post(
                markers, json={**revision, "rationale_category": "other", "rationale_note": "Again"}
            ),
            409,
            "progress-marker-not-active",
        )
        body = assert_problem(
            await client.post(
                url(project["id"], draft["id"], f"/markers/{marker['id']}/transitions"),
                json={"to": "retired"},
            ),
            409,
            "illegal-transition",
        )
        assert "allowed from here: none" in body["detail"]
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=progress_marker.revised")).json()["items"]
        assert events[0]["data"]["rationale_category"] == "change_in_context"
        assert events[0]["data"]["after_agreement"] is True
        assert agreed["partners"][0]["markers"][0]["state"] == "active"

    async def test_a_revision_names_an_active_marker_of_this_partner(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"], partners=2)
        first, second = draft["partners"]
        marker = first["markers"][0]
        elsewhere = url(project["id"], draft["id"], f"/partners/{second['id']}/markers")
        body = {"level": "expect_to_see", "text": "Moved", "revises_id": marker["id"]}
        problem = assert_problem(
            await client.post(elsewhere, json=body), 422, "unknown-revised-marker"
        )
        assert problem["errors"][0]["pointer"] == "/revises_id"
        unknown = {**body, "revises_id": second["id"]}
        assert_problem(await client.post(elsewhere, json=unknown), 422, "unknown-revised-marker")
        stray = {"level": "expect_to_see", "text": "New", "rationale_note": "Why"}
        problem = assert_problem(await client.post(elsewhere, json=stray), 422)
        assert [e["pointer"] for e in problem["errors"]] == ["/rationale_note"]

    async def test_the_verbs_are_gone(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        marker = draft["partners"][0]["markers"][0]
        for verb in ("revise", "retire"):
            response = await client.post(
                url(project["id"], draft["id"], f"/markers/{marker['id']}/{verb}"),
                json={"text": "x"},
            )
            assert_problem(response, 404)

    async def test_markers_are_never_deleted(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        marker = draft["partners"][0]["markers"][0]
        response = await client.delete(url(project["id"], draft["id"], f"/markers/{marker['id']}"))
        assert response.status_code == 405


class TestRetireMarker:
    async def test_a_draft_marker_retires_without_rationale(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"], markers=("expect_to_see", "like_to_see"))
        marker = draft["partners"][0]["markers"][0]
        assert marker["allowed_transitions"] == ["retired"]
        moves = url(project["id"], draft["id"], f"/markers/{marker['id']}/transitions")
        for to, says in (("revised", "creating its successor"), ("active", "`retired`")):
            body = assert_problem(
                await client.post(moves, json={"to": to}), 409, "illegal-transition"
            )
            assert says in body["detail"]
        assert_problem(
            await client.post(moves, json={"to": "retired"}, headers={"If-Match": '"v999"'}),
            412,
            "precondition-failed",
        )
        response = await client.post(moves, json={"to": "retired", "reason": "Duplicate"})
        assert response.status_code == 200, response.text
        retired = response.json()
        assert (retired["state"], retired["allowed_transitions"]) == ("retired", [])
        assert response.headers["etag"] == f'"v{retired["version"]}"'
        audit = await client.get(f"/v1/audit?entity_type=progress_marker&entity_id={marker['id']}")
        assert [r["changes"] for r in audit.json()["items"] if r["action"] == "retired"] == [
            {"state": {"before": "active", "after": "retired"}, "reason": "Duplicate"}
        ]
        # The map's ETag moved with its element.
        read = await client.get(url(project["id"], draft["id"]))
        assert read.json()["version"] > draft["version"]

    async def test_an_agreed_marker_retires_with_rationale_in_a_draft_only(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"], markers=("expect_to_see", "like_to_see"))
        old = agreed["partners"][0]["markers"][0]
        assert old["allowed_transitions"] == []
        assert_problem(
            await client.post(
                url(project["id"], agreed["id"], f"/markers/{old['id']}/transitions"),
                json={"to": "retired"},
            ),
            409,
            "outcome-map-read-only",
        )
        draft = (await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})).json()
        marker = draft["partners"][0]["markers"][0]
        moves = url(project["id"], draft["id"], f"/markers/{marker['id']}/transitions")
        body = assert_problem(
            await client.post(moves, json={"to": "retired"}), 422, "revision-rationale-required"
        )
        assert {e["pointer"] for e in body["errors"]} == {"/rationale_category", "/rationale_note"}
        response = await client.post(
            moves,
            json={
                "to": "retired",
                "rationale_category": "unrealistic_or_unclear",
                "rationale_note": "Not observable",
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["rationale_category"] == "unrealistic_or_unclear"
        agreed_again = await client.post(
            url(project["id"], draft["id"], "/transitions"), json=AGREE
        )
        assert agreed_again.status_code == 200, agreed_again.text
        states = [m["state"] for m in agreed_again.json()["partners"][0]["markers"]]
        assert sorted(states) == ["active", "retired"]
