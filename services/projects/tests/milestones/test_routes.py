"""Milestones and the NHS adoption milestone catalogue."""

from __future__ import annotations

import httpx

from shared.testing import assert_problem


class TestAdoptionCatalogue:
    async def test_catalogue_is_seeded(self, client: httpx.AsyncClient) -> None:
        codes = [
            row["code"]
            for row in (await client.get("/v1/projects/adoption-milestones")).json()["items"]
        ]
        assert codes[:3] == ["dtac_passed", "clinical_safety_dcb0129", "clinical_safety_dcb0160"]
        assert {
            "dpia_approved",
            "nice_esf_tier_met",
            "ukca_ce_marking",
            "procurement_route_agreed",
            "carbon_reduction_plan",
            "real_world_evidence",
        } <= set(codes)

    async def test_catalogue_is_a_page(self, client: httpx.AsyncClient) -> None:
        whole = (await client.get("/v1/projects/adoption-milestones")).json()
        assert set(whole) == {"items", "next_cursor"} and whole["next_cursor"] is None
        seen: list[str] = []
        params: dict[str, str | int] = {"limit": 1}
        while True:
            page = await client.get("/v1/projects/adoption-milestones", params=params)
            assert page.status_code == 200, page.text
            seen.extend(row["code"] for row in page.json()["items"])
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
            assert 'rel="next"' in page.headers["Link"]
            assert len(seen) <= len(whole["items"])  # bounded: a cursor loop fails here
            params = {"limit": 1, "cursor": cursor}
        assert len(seen) >= 2
        assert seen == [row["code"] for row in whole["items"]]  # each once, curated order

    async def test_tracker_lists_only_applicable_milestones(
        self, client: httpx.AsyncClient, build
    ) -> None:
        analogue = await build.project()
        digital = await build.project(is_digital=True, innovation_type="medical_device")
        plain = (await client.get(f"/v1/projects/{analogue['id']}/adoption-tracker")).json()
        full = (await client.get(f"/v1/projects/{digital['id']}/adoption-tracker")).json()
        assert "dtac_passed" not in [r["milestone_type"]["code"] for r in plain["rows"]]
        assert full["applicable"] == 9 and plain["applicable"] == 4


class TestCreateMilestone:
    async def test_plain_milestone_with_gate(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        response = await client.post(
            f"/v1/projects/{project['id']}/milestones",
            json={
                "title": "Business case to board",
                "gate": "g2_pilot_approval",
                "due_date": "2026-09-01",
            },
        )
        assert response.status_code == 201 and response.json()["gate"] == "g2_pilot_approval"

    async def test_adoption_rules(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        base = f"/v1/projects/{project['id']}/milestones"
        assert_problem(
            await client.post(base, json={"adoption_code": "moon_landing"}),
            422,
            "unknown-adoption-milestone",
        )
        assert_problem(
            await client.post(base, json={"adoption_code": "dtac_passed"}),
            422,
            "adoption-milestone-not-applicable",
        )
        body = assert_problem(
            await client.post(base, json={"adoption_code": "dpia_approved", "status": "done"}),
            422,
            "adoption-evidence-required",
        )
        assert body["errors"][0]["pointer"] == "/evidence_uri"
        created = await client.post(base, json={"adoption_code": "dpia_approved"})
        assert created.json()["title"] == "Data protection impact assessment approved"
        assert_problem(
            await client.post(base, json={"adoption_code": "dpia_approved"}),
            409,
            "adoption-milestone-already-tracked",
        )
        done = await client.patch(
            f"{base}/{created.json()['id']}",
            json={"status": "done", "evidence_uri": "https://intranet.example/dpia.pdf"},
        )
        assert done.json()["status"] == "done" and done.json()["completed_on"]
        assert_problem(
            await client.patch(f"{base}/{created.json()['id']}", json={"status": "planned"}),
            409,
            "illegal-milestone-transition",
        )
        tracker = (await client.get(f"/v1/projects/{project['id']}/adoption-tracker")).json()
        assert tracker["done"] == 1

    async def test_title_required_without_catalogue_code(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        body = assert_problem(
            await client.post(f"/v1/projects/{project['id']}/milestones", json={}),
            422,
            "validation-error",
        )
        assert body["errors"][0]["pointer"] == "/title"


class TestListMilestones:
    async def test_filters(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        base = f"/v1/projects/{project['id']}/milestones"
        await client.post(base, json={"title": "Kick-off", "status": "done"})
        await client.post(base, json={"adoption_code": "real_world_evidence"})
        assert [m["title"] for m in (await client.get(f"{base}?status=done")).json()["items"]] == [
            "Kick-off"
        ]
        assert len((await client.get(f"{base}?adoption=true")).json()["items"]) == 1
