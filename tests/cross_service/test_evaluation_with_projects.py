"""The assessment service against the real projects service, in-process: the project and team
checks of an evaluation use its routes, and an implemented pivot reaches it through its own
change-feed consumer and becomes an outcome-map revision prompt on the project."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from services.assessment.tests.builders import DE, evaluation_body, ts
from shared.consumer import ChangeFeedConsumer
from shared.testing import TokenFactory, api_client, assert_problem, member_body, project_body


async def new_project(projects_app: FastAPI, tokens: TokenFactory, *members: str) -> str:
    async with api_client(projects_app, token=tokens("governance", sub="gov-1")) as api:
        response = await api.post("/v1/projects", json=project_body())
        assert response.status_code == 201, response.text
        project_id: str = response.json()["id"]
        for subject in members:
            added = await api.post(
                f"/v1/projects/{project_id}/team", json=member_body(subject, "analyst")
            )
            assert added.status_code == 201, added.text
    return project_id


class TestCreateEvaluationWithProjects:
    @pytest.mark.parametrize(("subject", "on_team"), [("carl", True), ("mallory", False)])
    async def test_only_a_team_member_contributor_writes(
        self,
        assessment_on_projects: FastAPI,
        projects_app: FastAPI,
        tokens: TokenFactory,
        subject: str,
        on_team: bool,
    ) -> None:
        project_id = await new_project(projects_app, tokens, "carl")
        token = tokens("contributor", sub=subject)
        async with api_client(assessment_on_projects, token=token) as api:
            response = await api.post(
                "/v1/evaluation/evaluations", json=evaluation_body(project_id)
            )
            if not on_team:
                assert_problem(response, 403, "not-a-team-member")
                return
            assert response.status_code == 201, response.text
            logged = await api.post(
                f"/v1/evaluation/evaluations/{response.json()['id']}/log",
                json={
                    "observed_at": ts("2026-03-02T10:00:00"),
                    "source": "meeting",
                    "summary": "Huddle agreed",
                },
            )
            assert logged.status_code == 201, logged.text

    async def test_unknown_project_is_422(
        self, assessment_on_projects: FastAPI, tokens: TokenFactory
    ) -> None:
        async with api_client(assessment_on_projects, token=tokens("evaluator", sub="eve")) as api:
            response = await api.post(
                "/v1/evaluation/evaluations",
                json=evaluation_body("01900000-0000-7000-8000-000000000000"),
            )
            assert_problem(response, 422, "unknown-project")


class TestPivotReachesProjects:
    async def test_implemented_pivot_prompts_a_new_outcome_map_version(
        self,
        assessment_on_projects: FastAPI,
        projects_app: FastAPI,
        tokens: TokenFactory,
        projects_consumer: ChangeFeedConsumer,
    ) -> None:
        project_id = await new_project(projects_app, tokens)
        async with api_client(assessment_on_projects, token=tokens("evaluator", sub="eve")) as eve:
            de = await DE.start(eve, None, project_id=project_id)
            tweak = await de.adaptation(kind="tweak")
            await de.move(tweak["id"], "agreed", "implemented")
            pivot = await de.adaptation(kind="pivot", summary="Refocus on COPD patients only")
            await de.move(pivot["id"], "agreed", "implemented")

        # The projects service's own consumer of this app's feed, in-process.
        assert await projects_consumer.step() == 1  # only the pivot publishes it
        async with api_client(projects_app, token=tokens("viewer")) as viewer:
            response = await viewer.get(f"/v1/projects/{project_id}/outcome-map-prompts")
        assert response.status_code == 200, response.text
        prompts = response.json()["items"]
        assert [(p["adaptation_id"], p["summary"]) for p in prompts] == [
            (pivot["id"], "Refocus on COPD patients only")
        ]
