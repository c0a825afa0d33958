"""Assessments and decisions against the real projects service: the assessment service with the
real projects app as its upstream (`tests/cross_service/conftest.py`), both on databases migrated
with the real migrations; the projects service reads the assessment change feed through its own
consumer. `Flow` holds the steps most tests share, as the people who take them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from projects_service.projects.models import Project
from shared.consumer import ChangeFeedConsumer
from shared.testing import SwitchableApp, TokenFactory, api_client, project_body

SCALES_TEMPLATE: dict[str, Any] = {
    "format": "cmdi-framework-template/1",
    "name": "Workflow test",
    "semver": "1.0.0",
    "scoring_policy": {"min_assessors": 2},
    "domains": [
        {
            "code": "core",
            "label": "Core",
            "weight": 2,
            "criteria": [
                {"code": "ordinal", "question": "?", "scale": "ordinal_0_4"},
                {"code": "likert", "question": "?", "scale": "likert_1_5"},
            ],
        },
        {
            "code": "other",
            "label": "Every other scale",
            "weight": 1,
            "criteria": [
                {"code": "valence", "question": "?", "scale": "valence_m2_p2", "required": False},
                {"code": "complexity", "question": "?", "scale": "complexity_3", "required": False},
                {"code": "met", "question": "?", "scale": "met_3", "required": False},
                {
                    "code": "evidence",
                    "question": "?",
                    "scale": "evidence_level_1_5",
                    "required": False,
                },
                {
                    "code": "tier",
                    "question": "?",
                    "scale": "esf_tier",
                    "weight": 0,
                    "required": False,
                },
                {
                    "code": "carbon",
                    "question": "?",
                    "scale": "numeric",
                    "unit": "tco2e_per_year",
                    "required": False,
                    "bands": [{"max": 0, "score": 1}, {"min": 0, "max": 100, "score": 0}],
                },
                {
                    "code": "dtac",
                    "question": "?",
                    "scale": "pass_fail",
                    "weight": 0,
                    "is_gate": True,
                    "gate_rule": "must_equal:pass",
                    "applies_if": {"is_digital": True},
                },
            ],
        },
    ],
}


@dataclass
class Linked:
    assessment: FastAPI
    projects: FastAPI
    to_projects: SwitchableApp
    projects_consumer: ChangeFeedConsumer


class Flow:
    """The steps of the assessment workflow, as the people who take them."""

    def __init__(self, linked: Linked, tokens: TokenFactory) -> None:
        self.linked = linked
        self.tokens = tokens

    def as_(self, subject: str, role: str = "evaluator") -> httpx.AsyncClient:
        return api_client(self.linked.assessment, token=self.tokens(role, sub=subject))

    @property
    def gov(self) -> httpx.AsyncClient:
        return self.as_("gov-1", "governance")

    async def project(self, *, stage: str = "idea", is_digital: bool = False) -> str:
        async with api_client(self.linked.projects, token=self.tokens("governance")) as client:
            response = await client.post("/v1/projects", json=project_body(is_digital=is_digital))
            assert response.status_code == 201, response.text
            project_id = str(response.json()["id"])
        if stage != "idea":  # earlier gates are not under test here: put the project there
            async with self.linked.projects.state.database.sessionmaker() as session:
                await session.execute(
                    update(Project).where(Project.id == uuid.UUID(project_id)).values(stage=stage)
                )
                await session.commit()
        return project_id

    async def template(self, document: dict[str, Any] | None = None, status: str = "active") -> str:
        async with self.gov as client:
            response = await client.post("/v1/frameworks/import", json=document or SCALES_TEMPLATE)
            assert response.status_code == 201, response.text
            template_id = str(response.json()["id"])
            moved = await client.post(
                f"/v1/frameworks/{template_id}/transitions", json={"to": status}
            )
            assert moved.status_code == 200, moved.text
        return template_id

    async def create(self, **overrides: Any) -> httpx.Response:
        body = {
            "gate": "g0_triage",
            "assessors": ["alice", "bob"],
            "panel_chair": "gov-1",
            **overrides,
        }
        async with self.gov as client:
            return await client.post("/v1/assessments", json=body)

    async def assessment(self, *, is_digital: bool = False, **overrides: Any) -> dict[str, Any]:
        if "template_id" not in overrides and "template_name" not in overrides:
            overrides["template_id"] = await self.template()
        if "project_id" not in overrides:
            overrides["project_id"] = await self.project(is_digital=is_digital)
        response = await self.create(**overrides)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def opened(self, **overrides: Any) -> dict[str, Any]:
        """A new assessment, opened for rating."""
        assessment = await self.assessment(**overrides)
        await self.move(assessment["id"], "open")
        return assessment

    async def move(self, assessment_id: str, to: str, **extra: Any) -> httpx.Response:
        async with self.gov as client:
            return await client.post(
                f"/v1/assessments/{assessment_id}/transitions", json={"to": to, **extra}
            )

    async def declare(self, assessment_id: str, subject: str, conflict: str | None = None) -> None:
        body = {"has_conflict": conflict is not None, "description": conflict}
        async with self.as_(subject) as client:
            response = await client.put(
                f"/v1/assessments/{assessment_id}/panel/me/declaration", json=body
            )
            assert response.status_code == 200, response.text

    async def rate(
        self, assessment_id: str, subject: str, code: str, value: Any = None, **extra: Any
    ) -> httpx.Response:
        body = {"value": value, **extra}
        async with self.as_(subject) as client:
            return await client.put(f"/v1/assessments/{assessment_id}/ratings/{code}", json=body)

    async def rate_all(self, assessment_id: str, subject: str, values: dict[str, Any]) -> None:
        for code, value in values.items():
            response = await self.rate(assessment_id, subject, code, value, evidence_level=4)
            assert response.status_code == 200, response.text

    async def submit(self, assessment_id: str, subject: str) -> httpx.Response:
        async with self.as_(subject) as client:
            return await client.post(f"/v1/assessments/{assessment_id}/panel/me/submission")

    async def to_moderation(self, assessment_id: str, ratings: dict[str, dict[str, Any]]) -> None:
        assert (await self.move(assessment_id, "open")).status_code == 200
        for subject, values in ratings.items():
            await self.declare(assessment_id, subject)
            await self.rate_all(assessment_id, subject, values)
            assert (await self.submit(assessment_id, subject)).status_code == 200
        assert (await self.move(assessment_id, "scoring")).status_code == 200
        moved = await self.move(assessment_id, "moderation")
        assert moved.status_code == 200, moved.text

    async def scored(
        self, ratings: dict[str, dict[str, Any]] | None = None, **overrides: Any
    ) -> dict[str, Any]:
        """An assessment taken all the way to `scored` (medians as consensus)."""
        assessment = await self.assessment(**overrides)
        await self.to_moderation(
            assessment["id"],
            ratings or {"alice": {"ordinal": 4, "likert": 5}, "bob": {"ordinal": 3, "likert": 5}},
        )
        async with self.gov as client:
            medians = await client.post(f"/v1/assessments/{assessment['id']}/consensus/medians")
            assert medians.status_code == 200, medians.text
        response = await self.move(assessment["id"], "scored")
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]
