"""Outcome maps: versions, partners (stakeholder refs over REST), markers, strategies,
practices, plans, and the events from other services that touch them."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from shared.testing import api_client, assert_problem


def url(project_id: str, map_id: str, rest: str = "") -> str:
    return f"/v1/projects/{project_id}/outcome-maps/{map_id}{rest}"


class TestCreateOutcomeMap:
    async def test_first_version_has_the_eight_practices(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-maps", json={"vision": "V"}
        )
        assert response.status_code == 201
        body = response.json()
        assert (body["map_version"], body["status"], body["vision"]) == (1, "draft", "V")
        first_practice = body["practices"][0]["practice"]
        assert first_practice == "prospecting_new_ideas_opportunities_resources"
        assert len(body["practices"]) == 8 and body["warnings"] == []

    async def test_second_draft_is_409(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        await build.draft_map(project["id"])
        response = await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})
        assert_problem(response, 409, "outcome-map-draft-exists")


class TestAgreeOutcomeMap:
    async def test_agree_then_edit_clones_a_new_draft_version(
        self, client: httpx.AsyncClient, build, app, tokens
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(
            project["id"], partners=2, markers=("expect_to_see", "like_to_see")
        )
        assert agreed["status"] == "agreed" and agreed["agreed_in"] == "Workshop 3 March"
        response = await client.patch(
            url(project["id"], agreed["id"]), json={"mission": "Revised mission"}
        )
        assert response.status_code == 201
        draft = response.json()
        assert (draft["map_version"], draft["status"], draft["supersedes_id"]) == (
            2,
            "draft",
            agreed["id"],
        )
        assert draft["mission"] == "Revised mission" and draft["vision"] == agreed["vision"]
        assert [p["lineage_id"] for p in draft["partners"]] == [
            p["lineage_id"] for p in agreed["partners"]
        ]
        assert all(m["cloned_from_id"] for p in draft["partners"] for m in p["markers"])
        assert response.headers["location"].endswith(draft["id"])
        second = await client.post(
            url(project["id"], draft["id"], "/agree"), json={"agreed_in": "Board"}
        )
        assert second.json()["status"] == "agreed"
        old = (await client.get(url(project["id"], agreed["id"]))).json()
        assert old["status"] == "superseded" and old["superseded_at"]
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=outcome_map.agreed")).json()["items"]
        assert [e["data"]["map_version"] for e in events] == [1, 2]
        assert events[1]["data"]["supersedes_id"] == agreed["id"]

    async def test_incomplete_map_is_422_with_pointers(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = (
            await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={"vision": "V"})
        ).json()
        await client.post(url(project["id"], draft["id"], "/partners"), json={"name": "GPs"})
        body = assert_problem(
            await client.post(url(project["id"], draft["id"], "/agree"), json={}),
            422,
            "outcome-map-incomplete",
        )
        assert {e["pointer"] for e in body["errors"]} == {
            "/mission",
            "/partners/0/outcome_challenge",
            "/partners/0/markers",
        }

    async def test_agreed_map_elements_are_read_only(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        partner = agreed["partners"][0]
        response = await client.post(
            url(project["id"], agreed["id"], f"/partners/{partner['id']}/markers"),
            json={"level": "love_to_see", "text": "x"},
        )
        assert_problem(response, 409, "outcome-map-read-only")
        assert_problem(
            await client.post(url(project["id"], agreed["id"], "/agree"), json={}),
            409,
            "outcome-map-read-only",
        )


class TestBoundaryPartners:
    async def test_stakeholder_refs_checked_with_the_stakeholders_service(
        self, client: httpx.AsyncClient, build, stakeholders
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"], partners=0)
        known = stakeholders.add_stakeholder(display_name="ED matron group")
        unknown = str(uuid.uuid4())
        ok = await client.post(
            url(project["id"], draft["id"], "/partners"),
            json={"name": "ED nurses", "stakeholder_refs": [known]},
        )
        assert ok.status_code == 201 and ok.json()["stakeholder_refs"] == [known]
        bad = await client.post(
            url(project["id"], draft["id"], "/partners"),
            json={"name": "GPs", "stakeholder_refs": [known, unknown]},
        )
        body = assert_problem(bad, 422, "unknown-stakeholder")
        assert body["errors"][0]["pointer"] == "/stakeholder_refs/1"

    async def test_unreachable_stakeholders_service_is_503(
        self, client: httpx.AsyncClient, build, stakeholders
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"], partners=0)
        stakeholders.down = True
        response = await client.post(
            url(project["id"], draft["id"], "/partners"),
            json={"name": "GPs", "stakeholder_refs": [str(uuid.uuid4())]},
        )
        assert_problem(response, 503, "upstream-unavailable")
        assert response.headers["retry-after"] == "5"
        stakeholders.down = False
        stakeholders.status_override = 500
        response = await client.post(
            url(project["id"], draft["id"], "/partners"),
            json={"name": "GPs", "stakeholder_refs": [str(uuid.uuid4())]},
        )
        assert_problem(response, 503, "upstream-unavailable")

    async def test_more_than_six_partners_warns_but_does_not_block(self, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"], partners=7)
        assert len(draft["partners"]) == 7 and "7 boundary partners" in draft["warnings"][0]

    async def test_stakeholder_erased_event_removes_refs(
        self, client: httpx.AsyncClient, app: FastAPI, build, stakeholders
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"], partners=0)
        gone, kept = stakeholders.add_stakeholder(), stakeholders.add_stakeholder()
        partner = (
            await client.post(
                url(project["id"], draft["id"], "/partners"),
                json={"name": "Carers", "stakeholder_refs": [gone, kept]},
            )
        ).json()
        stakeholders.publish(
            "stakeholder.erased",
            {"stakeholder_id": gone, "erased_at": "2026-06-01T00:00:00Z"},
            entity_type="stakeholder",
        )
        assert await app.state.consumers["stakeholders"].step() == 1
        detail = (await client.get(url(project["id"], draft["id"]))).json()
        assert detail["partners"][0]["stakeholder_refs"] == [kept]
        audit = (
            await client.get(f"/v1/audit?entity_type=boundary_partner&entity_id={partner['id']}")
        ).json()["items"]
        assert audit[0]["changes"]["stakeholder_refs"] == {"before": [gone, kept], "after": [kept]}


class TestProgressMarkers:
    async def test_only_the_three_levels_exist(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        partner = draft["partners"][0]
        response = await client.post(
            url(project["id"], draft["id"], f"/partners/{partner['id']}/markers"),
            json={"level": "hope_to_see", "text": "x"},
        )
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/level"

    async def test_draft_marker_edits_freely_and_revises_without_rationale(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        marker = draft["partners"][0]["markers"][0]
        edited = await client.patch(
            url(project["id"], draft["id"], f"/markers/{marker['id']}"), json={"text": "Clearer"}
        )
        assert edited.status_code == 200 and edited.json()["text"] == "Clearer"
        revised = await client.post(
            url(project["id"], draft["id"], f"/markers/{marker['id']}/revise"),
            json={"text": "Clearer still"},
        )
        assert revised.status_code == 201

    async def test_revision_after_agreement_needs_rationale(
        self, client: httpx.AsyncClient, build, app, tokens
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        draft = (await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})).json()
        marker = draft["partners"][0]["markers"][0]
        assert_problem(
            await client.patch(
                url(project["id"], draft["id"], f"/markers/{marker['id']}"),
                json={"text": "New words"},
            ),
            409,
            "agreed-marker-needs-revision",
        )
        body = assert_problem(
            await client.post(
                url(project["id"], draft["id"], f"/markers/{marker['id']}/revise"),
                json={"text": "New words"},
            ),
            422,
            "revision-rationale-required",
        )
        assert {e["pointer"] for e in body["errors"]} == {"/rationale_category", "/rationale_note"}
        response = await client.post(
            url(project["id"], draft["id"], f"/markers/{marker['id']}/revise"),
            json={
                "text": "New words",
                "rationale_category": "change_in_context",
                "rationale_note": "New discharge policy",
            },
        )
        successor = response.json()
        assert response.status_code == 201 and successor["revises_id"] == marker["id"]
        old = next(
            m
            for m in (await client.get(url(project["id"], draft["id"]))).json()["partners"][0][
                "markers"
            ]
            if m["id"] == marker["id"]
        )
        assert (old["state"], old["replaced_by_id"]) == ("revised", successor["id"])
        assert_problem(
            await client.post(
                url(project["id"], draft["id"], f"/markers/{marker['id']}/retire"), json={}
            ),
            409,
            "progress-marker-not-active",
        )
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=progress_marker.revised")).json()["items"]
        assert events[0]["data"]["rationale_category"] == "change_in_context"
        assert events[0]["data"]["after_agreement"] is True
        assert agreed["partners"][0]["markers"][0]["state"] == "active"

    async def test_markers_are_never_deleted(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        marker = draft["partners"][0]["markers"][0]
        response = await client.delete(url(project["id"], draft["id"], f"/markers/{marker['id']}"))
        assert response.status_code == 405


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
        await client.post(url(project["id"], draft["id"], "/agree"), json={})
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
        agreed = await client.post(url(project["id"], draft["id"], "/agree"), json={})
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
        await client.post(url(project["id"], draft["id"], "/agree"), json={})
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
        await client.post(url(project["id"], draft["id"], "/agree"), json={})
        prompts = (await client.get(f"/v1/projects/{project['id']}/outcome-map-prompts")).json()[
            "items"
        ]
        assert (prompts[0]["status"], prompts[0]["addressed_by_map_id"]) == (
            "addressed",
            draft["id"],
        )


class TestReadAccess:
    async def test_etag_changes_when_an_element_changes(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        first = await client.get(url(project["id"], draft["id"]))
        etag = first.headers["etag"]
        assert (
            await client.get(url(project["id"], draft["id"]), headers={"If-None-Match": etag})
        ).status_code == 304
        await client.post(url(project["id"], draft["id"], "/partners"), json={"name": "Pharmacy"})
        assert (
            await client.get(url(project["id"], draft["id"]), headers={"If-None-Match": etag})
        ).status_code == 200

    async def test_map_of_another_project_is_404(self, client: httpx.AsyncClient, build) -> None:
        first, second = await build.project(), await build.project(title="Other")
        draft = await build.draft_map(first["id"])
        assert_problem(
            await client.get(url(second["id"], draft["id"])), 404, "outcome-map-not-found"
        )
