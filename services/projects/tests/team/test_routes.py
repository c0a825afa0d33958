"""Team memberships and the contributor write rule (one dependency: ProjectWriterDep)."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.testing import TokenFactory, api_client, assert_problem

TODAY = dt.date.today()


class TestAddTeamMember:
    async def test_adds_with_location_and_redacts_name_in_audit(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        response = await client.post(
            f"/v1/projects/{project['id']}/team",
            json={
                "subject": "dr-shah",
                "display_name": "Dr Priya Shah",
                "affiliation": "trust",
                "role": "clinical_lead",
                "fte": 0.2,
            },
        )
        assert response.status_code == 201
        member = response.json()
        assert response.headers["location"].endswith(member["id"]) and member["fte"] == 0.2
        audit = (
            await client.get(f"/v1/audit?entity_type=team_membership&entity_id={member['id']}")
        ).json()["items"]
        assert audit[0]["changes"]["display_name"]["after"] == "[redacted]"

    async def test_same_role_twice_for_overlapping_dates_is_409(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        await build.member(project["id"], "bob", "analyst")
        response = await client.post(
            f"/v1/projects/{project['id']}/team",
            json={
                "subject": "bob",
                "display_name": "Bob",
                "affiliation": "trust",
                "role": "analyst",
            },
        )
        assert_problem(response, 409, "duplicate-team-membership")

    async def test_unknown_role_is_422(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        response = await client.post(
            f"/v1/projects/{project['id']}/team",
            json={"subject": "bob", "display_name": "Bob", "affiliation": "trust", "role": "boss"},
        )
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/role"


class TestListTeamMembers:
    async def test_active_and_subject_filters(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        await build.member(project["id"], "ann", "project_lead")
        await build.member(
            project["id"], "old", "analyst", start_date="2024-01-01", end_date="2024-12-31"
        )
        await build.member(
            project["id"], "new", "analyst", start_date=str(TODAY + dt.timedelta(days=30))
        )
        active = (await client.get(f"/v1/projects/{project['id']}/team?active=true")).json()[
            "items"
        ]
        assert [m["subject"] for m in active] == ["ann"]
        inactive = (
            await client.get(f"/v1/projects/{project['id']}/team?active=false&sort=subject")
        ).json()["items"]
        assert [m["subject"] for m in inactive] == ["new", "old"]
        check = (
            await client.get(f"/v1/projects/{project['id']}/team?subject=old&active=true")
        ).json()
        assert check == {"items": [], "next_cursor": None}

    async def test_another_service_can_check_membership(
        self, app, build, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        await build.member(project["id"], "ann", "evaluator")
        async with api_client(app, token=tokens("service", sub="service:assessment")) as svc:
            response = await svc.get(
                f"/v1/projects/{project['id']}/team", params={"subject": "ann", "active": "true"}
            )
        assert response.status_code == 200 and response.json()["items"][0]["role"] == "evaluator"


class TestUpdateTeamMember:
    async def test_ending_a_membership_removes_write_rights(
        self, app, client: httpx.AsyncClient, build, tokens
    ) -> None:
        project = await build.project()
        member = await build.member(project["id"], "dan", "project_manager")
        async with api_client(app, token=tokens("contributor", sub="dan")) as dan:
            assert (
                await dan.patch(f"/v1/projects/{project['id']}", json={"summary": "Mine"})
            ).status_code == 200
            ended = await client.patch(
                f"/v1/projects/{project['id']}/team/{member['id']}",
                json={"end_date": str(TODAY - dt.timedelta(days=1))},
            )
            assert ended.status_code == 200
            response = await dan.patch(f"/v1/projects/{project['id']}", json={"summary": "Again"})
        assert_problem(response, 403, "not-a-project-team-member")

    async def test_end_before_start_is_422(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        member = await build.member(project["id"], "eve", start_date="2026-01-10")
        response = await client.patch(
            f"/v1/projects/{project['id']}/team/{member['id']}", json={"end_date": "2026-01-01"}
        )
        assert (
            assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/end_date"
        )

    async def test_membership_of_another_project_is_404(
        self, client: httpx.AsyncClient, build
    ) -> None:
        first, second = await build.project(), await build.project(title="Other")
        member = await build.member(first["id"], "fay")
        response = await client.get(f"/v1/projects/{second['id']}/team/{member['id']}")
        assert_problem(response, 404, "team-membership-not-found")


class TestContributorWriteRule:
    async def test_non_member_contributor_is_refused_everywhere(self, app, build, tokens) -> None:
        project = await build.project()
        pid = project["id"]
        async with api_client(app, token=tokens("contributor", sub="mallory")) as mallory:
            writes = [
                mallory.patch(f"/v1/projects/{pid}", json={"summary": "x"}),
                mallory.post(
                    f"/v1/projects/{pid}/transitions", json={"to": "paused", "reason": "x"}
                ),
                mallory.post(
                    f"/v1/projects/{pid}/team",
                    json={
                        "subject": "m",
                        "display_name": "M",
                        "affiliation": "other",
                        "role": "member",
                    },
                ),
                mallory.post(f"/v1/projects/{pid}/outcome-maps", json={}),
                mallory.post(f"/v1/projects/{pid}/milestones", json={"title": "Kick-off"}),
                mallory.post(
                    f"/v1/projects/{pid}/benefits",
                    json={
                        "kind": "bed_days",
                        "title": "x",
                        "unit": "bed_days",
                        "confidence": "low",
                    },
                ),
            ]
            for write in writes:
                assert_problem(await write, 403, "not-a-project-team-member")
            # Reading stays open to every authenticated caller.
            assert (await mallory.get(f"/v1/projects/{pid}")).status_code == 200

    async def test_viewer_cannot_write_even_as_member(self, app, build, tokens) -> None:
        project = await build.project()
        await build.member(project["id"], "vic")
        async with api_client(app, token=tokens("viewer", sub="vic")) as vic:
            assert_problem(
                await vic.patch(f"/v1/projects/{project['id']}", json={"summary": "x"}),
                403,
                "forbidden",
            )

    async def test_member_evaluator_writes(self, app, build, tokens) -> None:
        project = await build.project()
        await build.member(project["id"], "eva", "developmental_evaluator")
        async with api_client(app, token=tokens("evaluator", sub="eva")) as eva:
            response = await eva.post(
                f"/v1/projects/{project['id']}/milestones", json={"title": "Sensemaking session"}
            )
        assert response.status_code == 201
