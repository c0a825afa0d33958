"""Registry fields, filters, search, sort and archive (the original routes' mechanics are
covered in ../test_projects_routes.py)."""

from __future__ import annotations

import httpx

from shared.testing import TokenFactory, api_client, assert_problem, member_body, project_body


class TestCreateProject:
    async def test_all_registry_fields_round_trip(self, build) -> None:
        project = await build.project(
            is_digital=True,
            funding_source="NHS England Digital Pathways",
            budget_gbp=125000.5,
            core20plus5_tags=[
                "early_cancer_diagnosis",
                "core20_deprivation",
                "early_cancer_diagnosis",
            ],
            net_zero_relevant=True,
            tags=["frailty", "hospital-at-home"],
            start_date="2026-04-01",
            planned_end_date="2027-03-31",
        )
        assert project["budget_gbp"] == 125000.5
        assert project["core20plus5_tags"] == ["core20_deprivation", "early_cancer_diagnosis"]
        assert project["net_zero_relevant"] is True
        assert project["site_code"] == "RQ601"
        assert project["problem_statement"].startswith("Frail")
        assert project["stage"] == "idea" and project["paused_from"] is None

    async def test_unknown_core20plus5_tag_is_a_422(self, client: httpx.AsyncClient, build) -> None:
        response = await client.post(
            "/v1/projects",
            json=project_body(core20plus5_tags=["asthma"]),
        )
        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["pointer"] == "/core20plus5_tags/0"

    async def test_negative_budget_is_a_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/projects",
            json=project_body(budget_gbp=-1),
        )
        assert (
            assert_problem(response, 422, "validation-error")["errors"][0]["pointer"]
            == "/budget_gbp"
        )

    async def test_contributor_who_registers_joins_the_team(
        self, app, tokens: TokenFactory
    ) -> None:
        async with api_client(app, token=tokens("contributor", sub="alice")) as alice:
            created = await alice.post(
                "/v1/projects",
                json=project_body(title="Digital wound care"),
            )
            assert created.status_code == 201
            team = (
                await alice.get(
                    f"/v1/projects/{created.json()['id']}/team?subject=alice&active=true"
                )
            ).json()
        assert [(m["subject"], m["role"]) for m in team["items"]] == [("alice", "member")]


class TestListProjects:
    async def test_filters_on_every_enumerated_field(
        self, client: httpx.AsyncClient, build
    ) -> None:
        a = await build.project(
            title="A",
            is_digital=True,
            core20plus5_tags=["maternity"],
            net_zero_relevant=True,
            tags=["ai"],
            funding_source="SBRI",
            innovation_type="digital_technology",
            lead_partner="trust",
        )
        b = await build.project(
            title="B", site_code="RQ602", pillar="innovation_governance", directorate="surgery"
        )
        cases = {
            "is_digital=true": [a],
            "core20plus5_tag=maternity": [a],
            "net_zero_relevant=true": [a],
            "tag=ai": [a],
            "funding_source=SBRI": [a],
            "innovation_type=digital_technology": [a],
            "lead_partner=trust": [a],
            "site_code=RQ602": [b],
            "pillar=innovation_governance": [b],
            "directorate=surgery": [b],
            "stage=idea": [a, b],
            "status=active": [a, b],
            "q=b": [b],
        }
        for query, expected in cases.items():
            items = (await client.get(f"/v1/projects?{query}")).json()["items"]
            assert [p["id"] for p in items] == [p["id"] for p in expected], query

    async def test_unknown_enum_filter_is_a_422(self, client: httpx.AsyncClient) -> None:
        body = assert_problem(
            await client.get("/v1/projects?core20plus5_tag=nope"), 422, "validation-error"
        )
        assert body["errors"][0]["pointer"] == "/core20plus5_tag"

    async def test_sort_by_title_descending(self, client: httpx.AsyncClient, build) -> None:
        for title in ("Beta", "Alpha", "Gamma"):
            await build.project(title=title)
        items = (await client.get("/v1/projects?sort=-title")).json()["items"]
        assert [p["title"] for p in items] == ["Gamma", "Beta", "Alpha"]

    async def test_search_term_is_a_parameter_not_sql(
        self, client: httpx.AsyncClient, build
    ) -> None:
        await build.project(title="O'Brien pathway")
        items = (await client.get("/v1/projects", params={"q": "o'brien"})).json()["items"]
        assert len(items) == 1
        assert (await client.get("/v1/projects", params={"q": "' OR 1=1 --"})).json()["items"] == []


class TestArchiveProject:
    async def test_archived_project_refuses_child_writes(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        await client.post(
            f"/v1/projects/{project['id']}/archive", json={"reason": "Merged into another project."}
        )
        response = await client.post(
            f"/v1/projects/{project['id']}/team",
            json=member_body("bob"),
        )
        assert_problem(response, 409, "project-archived")
        assert (await client.get(f"/v1/projects/{project['id']}")).json()["status"] == "archived"
