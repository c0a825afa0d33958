"""Outcome maps: boundary partners and their stakeholder references over REST."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from services.projects.tests.outcome_maps.paths import url
from shared.testing import assert_problem


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
        stakeholders.reachable = False
        response = await client.post(
            url(project["id"], draft["id"], "/partners"),
            json={"name": "GPs", "stakeholder_refs": [str(uuid.uuid4())]},
        )
        assert_problem(response, 503, "upstream-unavailable")
        assert response.headers["retry-after"] == "5"
        stakeholders.reachable = True
        stakeholders.failing = 500
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
