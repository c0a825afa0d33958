"""POST /v1/projects/{id}/transitions and the stage history."""

from __future__ import annotations

import httpx

from shared.testing import TokenFactory, api_client


async def move(
    client: httpx.AsyncClient, project_id: str, action: str, reason: str = "Agreed at board"
) -> httpx.Response:
    return await client.post(
        f"/v1/projects/{project_id}/transitions", json={"action": action, "reason": reason}
    )


class TestTransitionProject:
    async def test_pause_and_resume_return_to_the_prior_stage(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        paused = await move(client, project["id"], "pause", "Clinical lead on leave")
        assert paused.status_code == 201
        body = paused.json()
        assert body["project"]["stage"] == "paused" and body["project"]["paused_from"] == "idea"
        assert (
            body["stage_change"]["from_stage"] == "idea"
            and body["stage_change"]["kind"] == "transition"
        )
        assert paused.headers["location"].endswith(body["stage_change"]["id"])
        resumed = (await move(client, project["id"], "resume")).json()
        assert resumed["project"]["stage"] == "idea" and resumed["project"]["paused_from"] is None

    async def test_illegal_transition_is_a_409_naming_the_rule(
        self, client: httpx.AsyncClient, build, expect_problem
    ) -> None:
        project = await build.project()
        body = expect_problem(
            await move(client, project["id"], "end_pilot"), 409, "illegal-stage-transition"
        )
        assert body["rule"] == "end-pilot-only-from-pilot"
        assert body["from_stage"] == "idea" and body["action"] == "end_pilot"
        body = expect_problem(
            await move(client, project["id"], "close"), 409, "illegal-stage-transition"
        )
        assert body["rule"] == "close-only-from-sustained"

    async def test_stopped_is_terminal(
        self, client: httpx.AsyncClient, build, expect_problem
    ) -> None:
        project = await build.project()
        assert (await move(client, project["id"], "stop")).status_code == 201
        body = expect_problem(
            await move(client, project["id"], "resume"), 409, "illegal-stage-transition"
        )
        assert body["rule"] == "stopped-and-closed-are-terminal"

    async def test_gate_crossing_is_not_an_action(
        self, client: httpx.AsyncClient, build, expect_problem
    ) -> None:
        project = await build.project()
        body = expect_problem(await move(client, project["id"], "advance"), 422, "validation-error")
        assert body["errors"][0]["pointer"] == "/action"

    async def test_stage_is_not_patchable(
        self, client: httpx.AsyncClient, build, expect_problem
    ) -> None:
        project = await build.project()
        response = await client.patch(f"/v1/projects/{project['id']}", json={"stage": "pilot"})
        assert expect_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/stage"

    async def test_contributor_member_pauses_but_cannot_stop(
        self, app, build, tokens: TokenFactory, expect_problem
    ) -> None:
        project = await build.project()
        await build.member(project["id"], "carol", "project_lead")
        async with api_client(app, token=tokens("contributor", sub="carol")) as carol:
            assert (await move(carol, project["id"], "pause")).status_code == 201
            expect_problem(
                await move(carol, project["id"], "stop"), 403, "transition-needs-governance"
            )

    async def test_reason_is_required(
        self, client: httpx.AsyncClient, build, expect_problem
    ) -> None:
        project = await build.project()
        response = await client.post(
            f"/v1/projects/{project['id']}/transitions", json={"action": "pause", "reason": ""}
        )
        assert (
            expect_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/reason"
        )

    async def test_stale_if_match_is_412(
        self, client: httpx.AsyncClient, build, expect_problem
    ) -> None:
        project = await build.project()
        response = await client.post(
            f"/v1/projects/{project['id']}/transitions",
            json={"action": "pause", "reason": "x"},
            headers={"If-Match": '"v99"'},
        )
        expect_problem(response, 412, "precondition-failed")

    async def test_archived_project_cannot_move(
        self, client: httpx.AsyncClient, build, expect_problem
    ) -> None:
        project = await build.project()
        await client.post(f"/v1/projects/{project['id']}/archive")
        expect_problem(await move(client, project["id"], "pause"), 409, "project-archived")

    async def test_emits_stage_changed_event(
        self, client: httpx.AsyncClient, build, app, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        await move(client, project["id"], "pause", "Winter pressures")
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


class TestListStageChanges:
    async def test_history_in_order_with_updated_since(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        await move(client, project["id"], "pause")
        await move(client, project["id"], "resume")
        history = (await client.get(f"/v1/projects/{project['id']}/stages")).json()["items"]
        assert [(h["from_stage"], h["to_stage"], h["action"]) for h in history] == [
            ("idea", "paused", "pause"),
            ("paused", "idea", "resume"),
        ]
        newest = (
            await client.get(f"/v1/projects/{project['id']}/stages?sort=-occurred_at&limit=1")
        ).json()
        assert newest["items"][0]["action"] == "resume" and newest["next_cursor"]
        since = history[1]["occurred_at"]
        later = (
            await client.get(
                f"/v1/projects/{project['id']}/stages", params={"updated_since": since}
            )
        ).json()
        assert [h["action"] for h in later["items"]] == ["resume"]
