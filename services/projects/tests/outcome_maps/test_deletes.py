"""Outcome maps: what a draft may lose (partners, strategies, plan items); agreed maps keep
theirs."""

from __future__ import annotations

import httpx

from services.projects.tests.outcome_maps.paths import AGREE, url
from shared.testing import assert_problem


class TestDraftOnlyDeletes:
    async def test_partner_goes_with_its_markers_strategies_and_monitoring_items(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"], partners=2)
        gone, kept = draft["partners"]
        strategy = (
            await client.post(
                url(project["id"], draft["id"], f"/partners/{gone['id']}/strategies"),
                json={"target": "individual", "type": "causal", "description": "Training"},
            )
        ).json()
        for kind, ref in (
            ("boundary_partner", gone["id"]),
            ("strategy", strategy["id"]),
            ("boundary_partner", kept["id"]),
        ):
            await client.post(
                url(project["id"], draft["id"], "/monitoring-plan"),
                json={
                    "priority_kind": kind,
                    "priority_ref": ref,
                    "frequency": "quarterly",
                    "tool": "outcome_journal",
                },
            )
        stale = await client.delete(
            url(project["id"], draft["id"], f"/partners/{gone['id']}"), headers={"If-Match": '"99"'}
        )
        assert_problem(stale, 412, "precondition-failed")
        response = await client.delete(url(project["id"], draft["id"], f"/partners/{gone['id']}"))
        assert response.status_code == 204, response.text
        detail = (await client.get(url(project["id"], draft["id"]))).json()
        assert [p["id"] for p in detail["partners"]] == [kept["id"]]
        items = (await client.get(url(project["id"], draft["id"], "/monitoring-plan"))).json()
        assert [i["priority_ref"] for i in items["items"]] == [kept["id"]]
        assert_problem(
            await client.delete(url(project["id"], draft["id"], f"/partners/{gone['id']}")),
            404,
            "outcome-map-element-not-found",
        )
        # The map still agrees with the partner left.
        agreed = await client.post(url(project["id"], draft["id"], "/transitions"), json=AGREE)
        assert agreed.status_code == 200, agreed.text
        assert_problem(
            await client.delete(url(project["id"], draft["id"], f"/partners/{kept['id']}")),
            409,
            "outcome-map-read-only",
        )

    async def test_plan_items_are_deleted_only_from_a_draft(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        items: dict[str, list[str]] = {}
        for plan, body in (
            (
                "monitoring-plan",
                {
                    "priority_kind": "organisational_practice",
                    "priority_ref": "seeking_feedback_from_key_informants",
                    "frequency": "biannual",
                    "tool": "performance_journal",
                },
            ),
            ("evaluation-plan", {"evaluation_issue": "Is the ward safe?"}),
        ):
            for _ in range(2):
                created = await client.post(url(project["id"], draft["id"], f"/{plan}"), json=body)
                items.setdefault(plan, []).append(created.json()["id"])
        for plan, (first, _) in items.items():
            deleted = await client.delete(url(project["id"], draft["id"], f"/{plan}/{first}"))
            assert deleted.status_code == 204, deleted.text
            left = (await client.get(url(project["id"], draft["id"], f"/{plan}"))).json()["items"]
            assert [i["id"] for i in left] == [items[plan][1]]
        await client.post(url(project["id"], draft["id"], "/transitions"), json=AGREE)
        for plan, (_, second) in items.items():
            assert_problem(
                await client.delete(url(project["id"], draft["id"], f"/{plan}/{second}")),
                409,
                "outcome-map-read-only",
            )
        audit = (
            await client.get(
                "/v1/audit",
                params={
                    "entity_type": "evaluation_plan_item",
                    "entity_id": items["evaluation-plan"][0],
                },
            )
        ).json()["items"]
        assert sorted(entry["action"] for entry in audit) == ["created", "deleted"]
