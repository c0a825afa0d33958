"""`/v1/evaluation/evaluations`: one developmental evaluation per project, checked against the
projects service; its lifecycle; who may write."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import api_client, assert_problem

URL = "/v1/evaluation/evaluations"


class TestCreateEvaluation:
    async def test_creates_with_location_and_etag(
        self, evaluator: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        project_id = projects.add_project()
        response = await evaluator.post(URL, json=kit.evaluation_body(project_id))
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["project_id"] == str(project_id)
        assert body["status"] == "planned"
        assert body["created_by"] == "eve"
        assert body["principles_applied"] == [
            "developmental_purpose",
            "utilisation_focus",
            "timely_feedback",
        ]
        assert response.headers["location"] == f"{URL}/{body['id']}"
        assert response.headers["etag"] == '"v1"'
        assert f"GET /v1/projects/{project_id}" in [str(call) for call in projects.calls]

    async def test_unknown_project_is_422(
        self, evaluator: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        unknown = "00000000-0000-4000-8000-000000000000"
        response = await evaluator.post(URL, json=kit.evaluation_body(unknown))
        body = assert_problem(response, 422, "unknown-project")
        assert body["errors"][0]["pointer"] == "/project_id"

    async def test_projects_service_unreachable_is_503(
        self, evaluator: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        project_id = projects.add_project()
        projects.reachable = False
        response = await evaluator.post(URL, json=kit.evaluation_body(project_id))
        assert_problem(response, 503, "upstream-unavailable")
        assert response.headers["retry-after"]

    async def test_second_evaluation_for_project_is_409(
        self, evaluator: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        first = await kit.DE.start(evaluator, projects)
        response = await evaluator.post(
            URL, json=kit.evaluation_body(first.evaluation["project_id"])
        )
        assert_problem(response, 409, "evaluation-exists-for-project")

    async def test_active_team_member_contributor_may_create(
        self, contributor: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        project_id = projects.add_project("carl")
        response = await contributor.post(URL, json=kit.evaluation_body(project_id))
        assert response.status_code == 201, response.text
        assert any(
            call.param("team_member") == "carl" and str(project_id) in call.params("id")
            for call in projects.calls
        )

    async def test_contributor_outside_team_is_403(
        self, contributor: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        project_id = projects.add_project("someone-else")
        response = await contributor.post(URL, json=kit.evaluation_body(project_id))
        assert_problem(response, 403, "not-a-team-member")

    async def test_governance_and_viewer_cannot_write(
        self, client: httpx.AsyncClient, viewer: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        project_id = projects.add_project()
        for api in (client, viewer):
            response = await api.post(URL, json=kit.evaluation_body(project_id))
            assert_problem(response, 403, "forbidden")

    async def test_unknown_principle_is_422(
        self, evaluator: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        body = kit.evaluation_body(projects.add_project(), principles_applied=["vibes"])
        response = await evaluator.post(URL, json=body)
        problem = assert_problem(response, 422, "validation-error")
        assert problem["errors"][0]["pointer"] == "/principles_applied/0"

    async def test_end_before_start_is_422(
        self, evaluator: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        body = kit.evaluation_body(
            projects.add_project(), start_date="2026-05-01", end_date="2026-04-01"
        )
        assert_problem(await evaluator.post(URL, json=body), 422, "validation-error")


class TestListEvaluations:
    async def test_filters_by_project(
        self, evaluator: httpx.AsyncClient, viewer: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        first = await kit.DE.start(evaluator, projects)
        await kit.DE.start(evaluator, projects)
        response = await viewer.get(URL, params={"project_id": first.evaluation["project_id"]})
        assert response.status_code == 200
        assert [item["id"] for item in response.json()["items"]] == [first.id]

    async def test_pages_with_cursor_by_created_at(
        self, evaluator: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        made = [(await kit.DE.start(evaluator, projects)).id for _ in range(3)]
        seen: list[str] = []
        url: str | None = f"{URL}?limit=2&sort=created_at"
        while url:
            page = (await evaluator.get(url)).json()
            seen += [item["id"] for item in page["items"]]
            url = (
                f"{URL}?limit=2&sort=created_at&cursor={page['next_cursor']}"
                if page["next_cursor"]
                else None
            )
        assert seen == made


class TestGetEvaluation:
    async def test_etag_and_304(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        response = await evaluator.get(f"{URL}/{de.id}")
        assert response.status_code == 200
        etag = response.headers["etag"]
        again = await evaluator.get(f"{URL}/{de.id}", headers={"If-None-Match": etag})
        assert again.status_code == 304

    async def test_unknown_is_404(self, evaluator: httpx.AsyncClient, kit: Any) -> None:
        response = await evaluator.get(f"{URL}/01900000-0000-7000-8000-000000000000")
        assert_problem(response, 404, "evaluation-not-found")


class TestUpdateEvaluation:
    async def test_merge_patch(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        response = await evaluator.patch(
            f"{URL}/{de.id}",
            json={"sensemaking_cadence": "monthly", "end_date": "2027-03-31"},
            headers={"If-Match": '"v1"'},
        )
        assert response.status_code == 200, response.text
        assert response.json()["sensemaking_cadence"] == "monthly"
        assert response.headers["etag"] == '"v2"'

    async def test_stale_if_match_is_412(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.patch(
            f"{URL}/{de.id}",
            json={"purpose": "rapid_response_to_crisis"},
            headers={"If-Match": '"v9"'},
        )
        assert_problem(response, 412, "precondition-failed")

    async def test_null_required_field_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.patch(f"{URL}/{de.id}", json={"purpose": None})
        assert (
            assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/purpose"
        )


class TestTransitionEvaluation:
    async def test_planned_active_concluded(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        for step in ("active", "concluded"):
            response = await evaluator.post(f"{URL}/{de.id}/transitions", json={"to": step})
            assert response.status_code == 200, response.text
            assert response.json()["status"] == step

    async def test_skipping_is_409(self, evaluator: httpx.AsyncClient, de: Any, kit: Any) -> None:
        response = await evaluator.post(f"{URL}/{de.id}/transitions", json={"to": "concluded"})
        assert_problem(response, 409, "illegal-transition")

    async def test_concluded_evaluation_is_read_only(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        for step in ("active", "concluded"):
            await evaluator.post(f"{URL}/{de.id}/transitions", json={"to": step})
        response = await evaluator.post(f"{URL}/{de.id}/questions", json={"text": "Still open?"})
        assert_problem(response, 409, "evaluation-concluded")
        response = await evaluator.patch(f"{URL}/{de.id}", json={"sensemaking_cadence": "monthly"})
        assert_problem(response, 409, "evaluation-concluded")

    async def test_allowed_transitions_follow_the_status_and_the_role(
        self, evaluator: httpx.AsyncClient, viewer: httpx.AsyncClient, de: Any
    ) -> None:
        assert de.evaluation["allowed_transitions"] == ["active"]
        assert (await viewer.get(f"{URL}/{de.id}")).json()["allowed_transitions"] == []
        question = await de.question()
        active = await evaluator.post(f"{URL}/{de.id}/transitions", json={"to": "active"})
        assert active.json()["allowed_transitions"] == ["concluded"]
        assert active.headers["etag"] == f'"v{active.json()["version"]}"'
        concluded = await evaluator.post(f"{URL}/{de.id}/transitions", json={"to": "concluded"})
        assert concluded.json()["allowed_transitions"] == []
        # Nothing of a concluded evaluation moves any more.
        read = await evaluator.get(f"/v1/evaluation/questions/{question['id']}")
        assert read.json()["allowed_transitions"] == []

    async def test_the_reason_is_kept_in_the_audit_trail(
        self, app: Any, tokens: Any, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        response = await evaluator.post(
            f"{URL}/{de.id}/transitions", json={"to": "active", "reason": "Baseline data is in"}
        )
        assert response.status_code == 200, response.text
        async with api_client(app, token=tokens("governance", sub="gov-1")) as governance:
            audit = await governance.get(
                "/v1/audit", params={"entity_type": "developmental_evaluation", "entity_id": de.id}
            )
        entries = {entry["action"]: entry for entry in audit.json()["items"]}
        assert entries["active"]["changes"]["status"] == {"before": "planned", "after": "active"}
        assert entries["transition_reason"]["changes"] == {
            "status": {"before": "planned", "after": "active"},
            "reason": {"before": None, "after": "Baseline data is in"},
        }
