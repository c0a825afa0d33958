"""Outcome maps: strategy maps, organisational practices, monitoring and evaluation plans."""

from __future__ import annotations

import httpx

from services.projects.tests.outcome_maps.paths import AGREE, url
from shared.testing import assert_problem


class TestStrategies:
    async def test_cell_code_is_derived(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        partner = draft["partners"][0]
        codes = {}
        for target in ("individual", "environment"):
            for type_ in ("causal", "persuasive", "supportive"):
                response = await client.post(
                    url(project["id"], draft["id"], f"/partners/{partner['id']}/strategies"),
                    json={"target": target, "type": type_, "description": "Teach-back sessions"},
                )
                codes[(target, type_)] = response.json()["cell_code"]
        assert sorted(codes.values()) == ["E1", "E2", "E3", "I1", "I2", "I3"]
        assert codes[("environment", "persuasive")] == "E2"
        strategy_id = (await client.get(url(project["id"], draft["id"]))).json()["partners"][0][
            "strategies"
        ][0]["id"]
        moved = await client.patch(
            url(project["id"], draft["id"], f"/strategies/{strategy_id}"),
            json={"target": "individual", "type": "supportive"},
        )
        assert moved.json()["cell_code"] == "I3"
        assert (
            await client.delete(url(project["id"], draft["id"], f"/strategies/{strategy_id}"))
        ).status_code == 204


class TestPracticesAndPlans:
    async def test_practice_patch_and_unknown_practice(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        response = await client.patch(
            url(project["id"], draft["id"], "/practices/engaging_in_organisational_reflection"),
            json={"in_use": True, "key_actions": "Quarterly reflection"},
        )
        assert response.json()["in_use"] is True
        assert_problem(
            await client.patch(url(project["id"], draft["id"], "/practices/juggling"), json={}),
            422,
            "validation-error",
        )

    async def test_monitoring_plan_priority_must_be_in_the_map(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        partner = draft["partners"][0]
        good = await client.post(
            url(project["id"], draft["id"], "/monitoring-plan"),
            json={
                "priority_kind": "boundary_partner",
                "priority_ref": partner["id"],
                "frequency": "quarterly",
                "tool": "outcome_journal",
            },
        )
        assert good.status_code == 201
        bad = await client.post(
            url(project["id"], draft["id"], "/monitoring-plan"),
            json={
                "priority_kind": "strategy",
                "priority_ref": partner["id"],
                "frequency": "monthly",
                "tool": "strategy_journal",
            },
        )
        assert_problem(bad, 422, "invalid-monitoring-priority")
        items = (await client.get(url(project["id"], draft["id"], "/monitoring-plan"))).json()[
            "items"
        ]
        assert [i["priority_ref"] for i in items] == [partner["id"]]

    async def test_plans_follow_the_clone(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        partner = draft["partners"][0]
        await client.post(
            url(project["id"], draft["id"], "/monitoring-plan"),
            json={
                "priority_kind": "boundary_partner",
                "priority_ref": partner["id"],
                "frequency": "quarterly",
                "tool": "outcome_journal",
            },
        )
        await client.post(
            url(project["id"], draft["id"], "/evaluation-plan"),
            json={
                "evaluation_issue": "Does the ward reduce readmissions?",
                "questions": ["30-day readmission?"],
                "cost_gbp": 4000,
            },
        )
        await client.post(url(project["id"], draft["id"], "/transitions"), json=AGREE)
        clone = (await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})).json()
        items = (await client.get(url(project["id"], clone["id"], "/monitoring-plan"))).json()[
            "items"
        ]
        assert items[0]["priority_ref"] == clone["partners"][0]["id"]
        evaluation = (await client.get(url(project["id"], clone["id"], "/evaluation-plan"))).json()[
            "items"
        ]
        assert evaluation[0]["cost_gbp"] == 4000 and evaluation[0]["questions"] == [
            "30-day readmission?"
        ]
