"""POST /v1/projects/{id}/transitions {"to", "reason"}, `allowed_transitions` and the stage
history at GET /v1/projects/{id}/transitions."""

from __future__ import annotations

import httpx
import pytest

from shared.testing import TokenFactory, api_client, assert_problem


async def move(
    client: httpx.AsyncClient, project_id: str, to: str, reason: str = "Agreed at board"
) -> httpx.Response:
    return await client.post(
        f"/v1/projects/{project_id}/transitions", json={"to": to, "reason": reason}
    )


async def moved(client: httpx.AsyncClient, project_id: str, to: str) -> dict[str, object]:
    response = await move(client, project_id, to)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


class TestTransitionProject:
    async def test_pause_and_resume_return_to_the_prior_stage(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        paused = await move(client, project["id"], "paused", "Clinical lead on leave")
        assert paused.status_code == 200, paused.text
        body = paused.json()
        assert body["stage"] == "paused" and body["paused_from"] == "idea"
        assert paused.headers["etag"] == f'"v{body["version"]}"'
        assert "location" not in paused.headers
        assert body["allowed_transitions"] == ["idea", "stopped"]
        resumed = await moved(client, project["id"], "idea")
        assert resumed["stage"] == "idea" and resumed["paused_from"] is None

    async def test_allowed_transitions_on_the_read_model(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        assert project["allowed_transitions"] == ["paused", "stopped"]
        read = (await client.get(f"/v1/projects/{project['id']}")).json()
        assert read["allowed_transitions"] == ["paused", "stopped"]
        listed = (await client.get("/v1/projects")).json()["items"]
        assert listed[0]["allowed_transitions"] == ["paused", "stopped"]

    @pytest.mark.parametrize("to", ["scoping", "design"])
    async def test_a_gate_crossing_asked_for_directly_is_a_409(
        self, client: httpx.AsyncClient, build, to: str
    ) -> None:
        project = await build.project()
        if to == "design":
            await moved(client, project["id"], "paused")
            await moved(client, project["id"], "idea")
        response = await move(client, project["id"], to)
        if to == "scoping":
            body = assert_problem(response, 409, "gate-requires-decision")
            assert body["rule"] == "gates-move-by-decision"
            assert body["from_stage"] == "idea" and body["to"] == "scoping"
        else:
            body = assert_problem(response, 409, "illegal-transition")
            assert body["rule"] == "no-such-transition"
        assert body["allowed_transitions"] == ["paused", "stopped"]

    async def test_a_move_with_no_edge_is_a_409_naming_the_rule(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        body = assert_problem(
            await move(client, project["id"], "evaluation"), 409, "illegal-transition"
        )
        assert body["rule"] == "end-pilot-only-from-pilot"
        assert body["from_stage"] == "idea" and body["to"] == "evaluation"
        body = assert_problem(
            await move(client, project["id"], "closed"), 409, "illegal-transition"
        )
        assert body["rule"] == "close-only-from-sustained"
        body = assert_problem(await move(client, project["id"], "idea"), 409, "illegal-transition")
        assert body["rule"] == "no-such-transition"

    async def test_a_paused_project_resumes_only_to_where_it_was(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        await moved(client, project["id"], "paused")
        body = assert_problem(await move(client, project["id"], "pilot"), 409, "illegal-transition")
        assert body["rule"] == "resume-to-paused-from"
        body = assert_problem(
            await move(client, project["id"], "paused"), 409, "illegal-transition"
        )
        assert body["rule"] == "already-paused"

    async def test_stopped_is_terminal(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        stopped = await moved(client, project["id"], "stopped")
        assert stopped["stage"] == "stopped" and stopped["allowed_transitions"] == []
        body = assert_problem(await move(client, project["id"], "idea"), 409, "illegal-transition")
        assert body["rule"] == "stopped-and-closed-are-terminal"

    async def test_an_unknown_stage_is_a_422(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        body = assert_problem(await move(client, project["id"], "advance"), 422, "validation-error")
        assert body["errors"][0]["pointer"] == "/to"

    async def test_the_action_body_is_gone(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        response = await client.post(
            f"/v1/projects/{project['id']}/transitions", json={"action": "pause", "reason": "x"}
        )
        pointers = {
            e["pointer"] for e in assert_problem(response, 422, "validation-error")["errors"]
        }
        assert {"/to", "/action"} <= pointers

    async def test_stage_is_not_patchable(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        response = await client.patch(f"/v1/projects/{project['id']}", json={"stage": "pilot"})
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/stage"

    async def test_contributor_member_pauses_but_cannot_stop(
        self, app, build, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        await build.member(project["id"], "carol", "project_lead")
        async with api_client(app, token=tokens("contributor", sub="carol")) as carol:
            read = (await carol.get(f"/v1/projects/{project['id']}")).json()
            assert read["allowed_transitions"] == ["paused"]
            paused = await moved(carol, project["id"], "paused")
            assert paused["allowed_transitions"] == ["idea"]
            assert_problem(
                await move(carol, project["id"], "stopped"), 403, "transition-needs-governance"
            )

    async def test_readers_are_offered_no_transitions(
        self, app, build, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        async with api_client(app, token=tokens("viewer", sub="vic")) as viewer:
            read = (await viewer.get(f"/v1/projects/{project['id']}")).json()
        assert read["allowed_transitions"] == []

    async def test_reason_is_required(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        for body in ({"to": "paused", "reason": "  "}, {"to": "paused"}):
            response = await client.post(f"/v1/projects/{project['id']}/transitions", json=body)
            problem = assert_problem(response, 422, "validation-error")
            assert problem["errors"][0]["pointer"] == "/reason"

    async def test_if_match(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        url = f"/v1/projects/{project['id']}/transitions"
        body = {"to": "paused", "reason": "x"}
        stale = await client.post(url, json=body, headers={"If-Match": '"v99"'})
        assert_problem(stale, 412, "precondition-failed")
        current = await client.post(
            url, json=body, headers={"If-Match": f'"v{project["version"]}"'}
        )
        assert current.status_code == 200 and current.json()["stage"] == "paused"

    async def test_archived_project_cannot_move(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        archived = await client.post(
            f"/v1/projects/{project['id']}/archive", json={"reason": "Merged into another project."}
        )
        assert archived.headers["etag"] == f'"v{archived.json()["version"]}"'
        assert archived.json()["allowed_transitions"] == []
        assert_problem(await move(client, project["id"], "paused"), 409, "project-archived")

    async def test_emits_stage_changed_event(
        self, client: httpx.AsyncClient, build, app, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        await move(client, project["id"], "paused", "Winter pressures")
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=project.stage_changed")).json()["items"]
        assert len(events) == 1
        assert (
            events[0]["data"].items()
            >= {
                "project_id": project["id"],
                "from_stage": "idea",
                "to_stage": "paused",
                "reason": "Winter pressures",
                "decision_id": None,
            }.items()
        )


class TestListTransitions:
    async def test_history_in_order_with_updated_since(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        url = f"/v1/projects/{project['id']}/transitions"
        await move(client, project["id"], "paused")
        await move(client, project["id"], "idea")
        history = (await client.get(url)).json()["items"]
        assert [(h["from_stage"], h["to_stage"], h["action"]) for h in history] == [
            ("idea", "paused", "pause"),
            ("paused", "idea", "resume"),
        ]
        assert history[0]["kind"] == "transition" and history[0]["actor"] == "gov-1"
        newest = (await client.get(f"{url}?sort=-occurred_at&limit=1")).json()
        assert newest["items"][0]["action"] == "resume" and newest["next_cursor"]
        since = history[1]["occurred_at"]
        later = (await client.get(url, params={"updated_since": since})).json()
        assert [h["action"] for h in later["items"]] == ["resume"]

    async def test_the_old_stages_path_is_gone(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        assert_problem(await client.get(f"/v1/projects/{project['id']}/stages"), 404)
