"""Outcome maps: revision prompts from implemented pivots."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from services.projects.tests.outcome_maps.paths import AGREE, url


class TestRevisionPrompts:
    async def test_pivot_prompts_and_agreement_addresses(
        self, client: httpx.AsyncClient, app: FastAPI, build, assessment
    ) -> None:
        project = await build.project()
        await build.agreed_map(project["id"])
        adaptation = str(uuid.uuid4())
        for kind, adaptation_id in (
            ("pivot", adaptation),
            ("tweak", str(uuid.uuid4())),
            ("pivot", adaptation),
        ):
            assessment.publish(
                "adaptation.implemented",
                {
                    "adaptation_id": adaptation_id,
                    "evaluation_id": str(uuid.uuid4()),
                    "project_id": project["id"],
                    "kind": kind,
                    "implemented_at": "2026-06-01T09:00:00Z",
                    "summary": "Target group changed to care homes",
                },
                entity_type="adaptation",
            )
        await app.state.consumers["assessment"].step()
        prompts = (
            await client.get(f"/v1/projects/{project['id']}/outcome-map-prompts?status=open")
        ).json()["items"]
        assert [(p["adaptation_id"], p["status"]) for p in prompts] == [(adaptation, "open")]
        draft = (await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})).json()
        await client.post(url(project["id"], draft["id"], "/transitions"), json=AGREE)
        prompts = (await client.get(f"/v1/projects/{project['id']}/outcome-map-prompts")).json()[
            "items"
        ]
        assert (prompts[0]["status"], prompts[0]["addressed_by_map_id"]) == (
            "addressed",
            draft["id"],
        )
