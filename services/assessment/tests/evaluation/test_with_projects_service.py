"""Against the real projects service, in-process: the project and team checks use its routes,
and an implemented pivot reaches it through its own change-feed consumer and becomes an
outcome-map revision prompt on the project."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import projects_service.main
from assessment_service.db import Base as AssessmentBase
from assessment_service.main import ALEMBIC_INI, create_app
from assessment_service.settings import Settings
from projects_service.consumers import CONSUMERS
from projects_service.db import Base as ProjectsBase
from projects_service.settings import Settings as ProjectsSettings
from shared.consumer import ChangeFeedConsumer
from shared.http import ServiceClient
from shared.testing import TokenFactory, api_client, assert_problem, reset_database, service_app


@pytest.fixture(scope="module")
async def projects_app() -> AsyncIterator[FastAPI]:
    async with service_app(
        service="projects",
        alembic_ini=projects_service.main.ALEMBIC_INI,
        create_app=projects_service.main.create_app,
        settings_factory=ProjectsSettings,
        consumer_enabled=False,
    ) as application:
        yield application


@pytest.fixture(scope="module")
async def assessment_app(projects_app: FastAPI) -> AsyncIterator[FastAPI]:
    factory = functools.partial(
        create_app, transports={"projects": httpx.ASGITransport(app=projects_app)}
    )
    async with service_app(
        service="assessment",
        alembic_ini=ALEMBIC_INI,
        create_app=factory,
        settings_factory=Settings,
    ) as application:
        yield application


@pytest.fixture(autouse=True)
async def _clean_both(projects_app: FastAPI, assessment_app: FastAPI) -> AsyncIterator[None]:
    yield
    await reset_database(projects_app.state.database, ProjectsBase.metadata)
    await reset_database(assessment_app.state.database, AssessmentBase.metadata)


async def new_project(projects_app: FastAPI, tokens: TokenFactory, *members: str) -> str:
    async with api_client(projects_app, token=tokens("governance", sub="gov-1")) as api:
        response = await api.post(
            "/v1/projects",
            json={
                "title": "Virtual ward for frailty",
                "pillar": "project_innovation",
                "innovation_type": "service_or_pathway_redesign",
                "lead_partner": "trust",
            },
        )
        assert response.status_code == 201, response.text
        project_id: str = response.json()["id"]
        for subject in members:
            added = await api.post(
                f"/v1/projects/{project_id}/team",
                json={
                    "subject": subject,
                    "display_name": subject.title(),
                    "affiliation": "trust",
                    "role": "analyst",
                },
            )
            assert added.status_code == 201, added.text
    return project_id


class TestCreateEvaluationWithProjects:
    async def test_team_member_contributor_writes(
        self, assessment_app: FastAPI, projects_app: FastAPI, tokens: TokenFactory, kit: Any
    ) -> None:
        project_id = await new_project(projects_app, tokens, "carl")
        async with api_client(assessment_app, token=tokens("contributor", sub="carl")) as carl:
            response = await carl.post(
                "/v1/evaluation/evaluations", json=kit.evaluation_body(project_id)
            )
            assert response.status_code == 201, response.text
            evaluation_id = response.json()["id"]
            logged = await carl.post(
                f"/v1/evaluation/evaluations/{evaluation_id}/log",
                json={
                    "observed_at": kit.ts("2026-03-02T10:00:00"),
                    "source": "meeting",
                    "summary": "Huddle agreed",
                },
            )
            assert logged.status_code == 201, logged.text

    async def test_contributor_outside_team_is_403(
        self, assessment_app: FastAPI, projects_app: FastAPI, tokens: TokenFactory, kit: Any
    ) -> None:
        project_id = await new_project(projects_app, tokens, "carl")
        async with api_client(assessment_app, token=tokens("contributor", sub="mallory")) as api:
            response = await api.post(
                "/v1/evaluation/evaluations", json=kit.evaluation_body(project_id)
            )
            assert_problem(response, 403, "not-a-team-member")

    async def test_unknown_project_is_422(
        self, assessment_app: FastAPI, tokens: TokenFactory, kit: Any
    ) -> None:
        async with api_client(assessment_app, token=tokens("evaluator", sub="eve")) as api:
            response = await api.post(
                "/v1/evaluation/evaluations",
                json=kit.evaluation_body("01900000-0000-7000-8000-000000000000"),
            )
            assert_problem(response, 422, "unknown-project")


class TestPivotReachesProjects:
    async def test_implemented_pivot_prompts_a_new_outcome_map_version(
        self, assessment_app: FastAPI, projects_app: FastAPI, tokens: TokenFactory, kit: Any
    ) -> None:
        project_id = await new_project(projects_app, tokens)
        async with api_client(assessment_app, token=tokens("evaluator", sub="eve")) as eve:
            de = await kit.DE.start(eve, None, project_id=project_id)
            tweak = await de.adaptation(kind="tweak")
            await de.move(tweak["id"], "agreed", "implemented")
            pivot = await de.adaptation(kind="pivot", summary="Refocus on COPD patients only")
            await de.move(pivot["id"], "agreed", "implemented")

        # The projects service's own consumer spec, reading this app's feed in-process.
        spec = next(c for c in CONSUMERS if c.producer == "assessment")
        consumer = ChangeFeedConsumer(
            spec=spec,
            client=ServiceClient(
                "assessment",
                "http://assessment",
                token_provider=lambda: tokens("service", sub="service:projects"),
                transport=httpx.ASGITransport(app=assessment_app),
            ),
            database=projects_app.state.database,
        )
        assert await consumer.step() == 1  # only the pivot publishes `adaptation.implemented`
        async with api_client(projects_app, token=tokens("viewer")) as viewer:
            response = await viewer.get(f"/v1/projects/{project_id}/outcome-map-prompts")
        assert response.status_code == 200, response.text
        prompts = response.json()["items"]
        assert [(p["adaptation_id"], p["summary"]) for p in prompts] == [
            (pivot["id"], "Refocus on COPD patients only")
        ]
