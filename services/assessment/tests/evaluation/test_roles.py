"""Who writes: evaluators on any evaluation, contributors only while active team members of the
project (asked of the projects service on each write); everyone else reads. `reporter` reads
metrics and the trail, minus free text flagged as personal data."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem


class TestContributorWrites:
    async def test_team_member_records_a_finding(
        self, evaluator: httpx.AsyncClient, contributor: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        de = await kit.DE.start(evaluator, projects, project_id=projects.add_project("carl"))
        response = await contributor.post(
            f"/v1/evaluation/evaluations/{de.id}/findings",
            json={"statement": "Carers want a named contact", "confidence": "low"},
        )
        assert response.status_code == 201, response.text
        assert response.json()["recorded_by"] == "carl"

    async def test_member_who_left_the_team_is_403(
        self, evaluator: httpx.AsyncClient, contributor: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        project_id = projects.add_project("carl")
        de = await kit.DE.start(evaluator, projects, project_id=project_id)
        projects.team[project_id].discard("carl")
        response = await contributor.post(
            f"/v1/evaluation/evaluations/{de.id}/questions", json={"text": "Still mine?"}
        )
        assert_problem(response, 403, "not-a-team-member")

    async def test_team_check_needs_the_projects_service(
        self, evaluator: httpx.AsyncClient, contributor: httpx.AsyncClient, projects: Any, kit: Any
    ) -> None:
        de = await kit.DE.start(evaluator, projects, project_id=projects.add_project("carl"))
        projects.reachable = False
        response = await contributor.post(
            f"/v1/evaluation/evaluations/{de.id}/questions", json={"text": "Anyone there?"}
        )
        assert_problem(response, 503, "upstream-unavailable")

    async def test_evaluator_writes_without_a_team_check(
        self, evaluator: httpx.AsyncClient, de: Any, projects: Any
    ) -> None:
        projects.calls.clear()
        await de.question()
        assert [call for call in projects.calls if call.param("team_member")] == []


class TestReadOnlyRoles:
    async def test_reporter_and_viewer_cannot_write(
        self, reporter: httpx.AsyncClient, viewer: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        for api in (reporter, viewer):
            response = await api.post(
                f"/v1/evaluation/evaluations/{de.id}/questions", json={"text": "May I?"}
            )
            assert_problem(response, 403, "forbidden")

    async def test_every_route_needs_a_token(self, app: Any, de: Any, kit: Any) -> None:
        from shared.testing import api_client

        async with api_client(app) as anonymous:
            response = await anonymous.get(f"/v1/evaluation/evaluations/{de.id}/metrics")
        assert_problem(response, 401, "unauthorized")
