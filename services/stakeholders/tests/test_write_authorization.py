"""Issue #9 item 1: every project-scoped write needs the team of each project it touches
(`shared.project_access.PROJECT_WORK`), a relationship owner comes from the project's team unless
an admin names them, and personal data follows only from a real relationship.

Mallory is a contributor, either on no team at all or on the team of another project; every
attack she made before the fix is refused with 403 and changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.stakeholders.tests.builders import (
    EMAIL,
    NAME,
    assessment_body,
    consent,
    create_stakeholder,
    engagement_body,
    link,
    link_body,
)
from shared.testing import FakeProjects, assert_problem

NOT_ON_TEAM = "not-a-project-team-member"
STANDARDS = (
    "inclusive_opportunities",
    "working_together",
    "support_and_learning",
    "communications",
    "impact",
    "governance",
)


@dataclass
class World:
    victim_project: uuid.UUID  # tom-team's project
    own_project: uuid.UUID  # Mallory's team's project (or, on no team, another stranger's)
    stakeholder: dict[str, Any]  # linked to the victim project by an admin, consented
    link: dict[str, Any]
    consent: dict[str, Any]
    planned: dict[str, Any]  # engagements of the victim project
    completed: dict[str, Any]
    feedback: dict[str, Any]


def plan_body(project_id: uuid.UUID) -> dict[str, Any]:
    return {
        "project_id": str(project_id),
        "segment": "carer",
        "target_level": "involve",
        "frequency": "monthly",
        "owner": "mallory",
    }


def role_body(stakeholder_id: str, project_id: uuid.UUID) -> dict[str, Any]:
    return {
        "stakeholder_id": stakeholder_id,
        "project_id": str(project_id),
        "role": "co_designer",
        "stages": ["design"],
        "start_date": "2026-01-01",
    }


async def created(api: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(url, json=body)
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


@pytest.fixture(params=["on no team", "on another team"])
async def world(request: Any, admin: httpx.AsyncClient, projects: FakeProjects) -> World:
    victim = projects.add_project("tom-team")
    own = projects.add_project("mallory" if request.param == "on another team" else "sam")
    stakeholder = await create_stakeholder(admin)
    linked = await link(admin, stakeholder["id"], victim, owner="olive-owner")
    given = await consent(admin, stakeholder["id"])
    planned = await created(admin, "/v1/engagements", engagement_body(victim))
    done = await created(admin, "/v1/engagements", engagement_body(victim))
    done = await created(admin, f"/v1/engagements/{done['id']}/transitions", {"to": "completed"})
    feedback = await created(
        admin, f"/v1/engagements/{done['id']}/feedback", {"theme": "Signs", "content": "..."}
    )
    return World(victim, own, stakeholder, linked, given, planned, done, feedback)


@pytest.fixture
async def mallory(as_role: Any) -> Any:
    async with as_role("contributor", sub="mallory") as api:
        yield api


async def state(admin: httpx.AsyncClient, world: World) -> list[Any]:
    """Everything an attack could change, as an admin reads it."""
    sid = world.stakeholder["id"]
    urls = [
        f"/v1/stakeholders/{sid}",
        f"/v1/stakeholders/{sid}/links",
        f"/v1/stakeholders/{sid}/consents",
        f"/v1/stakeholders/{sid}/assessments",
        "/v1/engagements",
        f"/v1/engagements/plans?project_id={world.victim_project}",
        f"/v1/engagements/{world.completed['id']}/participants",
        f"/v1/engagements/{world.completed['id']}/feedback",
        "/v1/engagements/equality-report",
        "/v1/involvement/roles",
    ]
    return [(await admin.get(url)).json() for url in urls]


class TestAContributorOffTheTeam:
    async def test_cannot_link_herself_as_owner_and_gets_no_personal_view(
        self, world: World, mallory: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        before = await state(admin, world)
        sid = world.stakeholder["id"]
        response = await mallory.post(
            f"/v1/stakeholders/{sid}/links",
            json=link_body(world.victim_project, owner="mallory", role="sponsor"),
        )
        assert_problem(response, 403, NOT_ON_TEAM)
        assert await state(admin, world) == before
        seen = (await mallory.get(f"/v1/stakeholders/{sid}")).json()
        assert seen["view"] == "restricted" and NAME not in str(seen)
        contact = await mallory.get(f"/v1/stakeholders/{sid}/contact")
        assert_problem(contact, 403, "personal-data-not-allowed")
        assert EMAIL not in contact.text
        search = (await mallory.get("/v1/stakeholders?q=zephyrine")).json()
        assert search["items"] == []

    async def test_cannot_link_a_strangers_record_to_her_own_project(
        self, world: World, mallory: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        """On her own team she may write to her project, but the person is a stranger to her:
        linking them there would hand her their personal data."""
        before = await state(admin, world)
        sid = world.stakeholder["id"]
        response = await mallory.post(
            f"/v1/stakeholders/{sid}/links",
            json=link_body(world.own_project, owner="mallory", role="sponsor"),
        )
        assert_problem(response, 403, NOT_ON_TEAM)
        assert await state(admin, world) == before
        assert (await mallory.get(f"/v1/stakeholders/{sid}")).json()["view"] == "restricted"
        assert_problem(
            await mallory.get(f"/v1/stakeholders/{sid}/contact"), 403, "personal-data-not-allowed"
        )

    async def test_cannot_take_over_or_delete_a_link(
        self, world: World, mallory: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        before = await state(admin, world)
        url = f"/v1/stakeholders/{world.stakeholder['id']}/links/{world.link['id']}"
        assert_problem(
            await mallory.patch(url, json={"relationship_owner": "mallory"}), 403, NOT_ON_TEAM
        )
        assert_problem(await mallory.delete(url), 403, NOT_ON_TEAM)
        assert await state(admin, world) == before

    async def test_cannot_record_or_withdraw_consent_for_a_stranger(
        self, world: World, mallory: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        before = await state(admin, world)
        sid = world.stakeholder["id"]
        recorded = await mallory.post(
            f"/v1/stakeholders/{sid}/consents",
            json={
                "purpose": "contact_for_engagement",
                "lawful_basis": "consent",
                "information_version": "PIS v2.1",
                "method": "written",
            },
        )
        assert_problem(recorded, 403, NOT_ON_TEAM)
        withdrawn = await mallory.post(
            f"/v1/stakeholders/{sid}/consents/{world.consent['id']}/transitions",
            json={"to": "withdrawn"},
        )
        assert_problem(withdrawn, 403, NOT_ON_TEAM)
        assert await state(admin, world) == before

    async def test_cannot_patch_the_stakeholder_or_replace_the_contact(
        self, world: World, mallory: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        before = await state(admin, world)
        url = f"/v1/stakeholders/{world.stakeholder['id']}"
        assert_problem(
            await mallory.patch(url, json={"display_name": "Someone else"}), 403, NOT_ON_TEAM
        )
        put = await mallory.put(f"{url}/contact", json={"email": "mallory@example.org"})
        assert_problem(put, 403, "personal-data-not-allowed")
        assert await state(admin, world) == before

    async def test_cannot_create_records_on_the_project(
        self, world: World, mallory: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        before = await state(admin, world)
        victim, sid = world.victim_project, world.stakeholder["id"]
        attempts = [
            ("/v1/engagements", engagement_body(victim)),
            # Touching two projects needs both teams, even when one of them is hers.
            ("/v1/engagements", engagement_body(world.own_project, victim)),
            ("/v1/engagements/plans", plan_body(victim)),
            (f"/v1/stakeholders/{sid}/assessments", assessment_body(victim)),
            ("/v1/involvement/roles", role_body(sid, victim)),
            (
                "/v1/involvement/standards",
                {
                    "scope": "project",
                    "project_id": str(victim),
                    "period": "2026-Q1",
                    "ratings": [{"standard": s, "level": "developing"} for s in STANDARDS],
                },
            ),
        ]
        for url, body in attempts:
            assert_problem(await mallory.post(url, json=body), 403, NOT_ON_TEAM)
        assert await state(admin, world) == before

    async def test_cannot_change_an_engagement_of_the_project(
        self, world: World, mallory: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        before = await state(admin, world)
        planned = f"/v1/engagements/{world.planned['id']}"
        done = f"/v1/engagements/{world.completed['id']}"
        sid = world.stakeholder["id"]
        attempts = [
            mallory.patch(planned, json={"title": "Renamed"}),
            mallory.post(f"{planned}/transitions", json={"to": "completed"}),
            mallory.post(f"{planned}/transitions", json={"to": "cancelled"}),
            mallory.post(f"{done}/participants", json={"stakeholder_id": sid}),
            mallory.post(f"{done}/feedback", json={"theme": "Signs", "content": "..."}),
            mallory.patch(f"{done}/feedback/{world.feedback['id']}", json={"status": "considered"}),
            mallory.post(f"{done}/equality-responses", json={"sex": "female"}),
        ]
        for attempt in attempts:
            assert_problem(await attempt, 403, NOT_ON_TEAM)
        assert await state(admin, world) == before


class TestTheTeam:
    async def test_a_team_member_writes_to_her_own_project(
        self, as_role: Any, projects: FakeProjects
    ) -> None:
        own = projects.add_project("mallory")
        async with as_role("contributor", sub="mallory") as mallory:
            person = await create_stakeholder(mallory)
            sid = person["id"]
            # Her own registration, linked to nothing yet: hers to correct and link.
            patched = await mallory.patch(f"/v1/stakeholders/{sid}", json={"category": "carer"})
            assert patched.status_code == 200, patched.text
            await link(mallory, sid, own, owner="mallory")
            await consent(mallory, sid)
            seen = (await mallory.get(f"/v1/stakeholders/{sid}")).json()
            assert seen["view"] == "personal" and seen["contact"]["email"] == EMAIL
            assert (await mallory.get(f"/v1/stakeholders/{sid}/contact")).status_code == 200
            await created(mallory, "/v1/engagements", engagement_body(own))
            await created(mallory, "/v1/engagements/plans", plan_body(own))
            await created(mallory, f"/v1/stakeholders/{sid}/assessments", assessment_body(own))
            await created(mallory, "/v1/involvement/roles", role_body(sid, own))

    async def test_an_unlinked_record_is_only_its_registrars(
        self, as_role: Any, client: httpx.AsyncClient
    ) -> None:
        async with as_role("contributor", sub="mallory") as mallory:
            person = await create_stakeholder(mallory)
        url = f"/v1/stakeholders/{person['id']}"
        async with as_role("contributor", sub="carl") as carl:
            assert_problem(await carl.patch(url, json={"category": "carer"}), 403, NOT_ON_TEAM)
        # Governance writes to any record, linked or not.
        assert (await client.patch(url, json={"category": "carer"})).status_code == 200

    async def test_a_team_member_of_the_project_writes_to_its_stakeholders(
        self, admin: httpx.AsyncClient, as_role: Any, projects: FakeProjects
    ) -> None:
        project = projects.add_project("tom-team")
        person = await create_stakeholder(admin)
        await link(admin, person["id"], project, owner="olive-owner")
        async with as_role("evaluator", sub="tom-team") as tom:
            url = f"/v1/stakeholders/{person['id']}"
            assert (await tom.patch(url, json={"category": "carer"})).status_code == 200
            await consent(tom, person["id"])
            await link(tom, person["id"], project, owner="tom-team", role="advisor")


class TestRelationshipOwner:
    async def test_must_be_on_the_projects_team_unless_an_admin_names_them(
        self,
        admin: httpx.AsyncClient,
        client: httpx.AsyncClient,
        as_role: Any,
        projects: FakeProjects,
    ) -> None:
        project = projects.add_project("tom-team")
        person = await create_stakeholder(admin)
        first = await link(admin, person["id"], project, owner="olive-owner")
        url = f"/v1/stakeholders/{person['id']}/links"
        body = {"project_id": str(project), "role_in_project": "sponsor"}
        refusals = [
            await client.post(url, json={**body, "relationship_owner": "olive-owner"}),
        ]
        async with as_role("contributor", sub="tom-team") as tom:
            refusals.append(await tom.post(url, json={**body, "relationship_owner": "stranger"}))
            mine = await tom.post(url, json={**body, "relationship_owner": "tom-team"})
            assert mine.status_code == 201, mine.text
            link_url = f"{url}/{mine.json()['id']}"
            refusals.append(await tom.patch(link_url, json={"relationship_owner": "stranger"}))
        for refused in refusals:
            problem = assert_problem(refused, 422, "relationship-owner-not-on-team")
            assert [e["pointer"] for e in problem["errors"]] == ["/relationship_owner"]
        owners = {i["id"]: i["relationship_owner"] for i in (await admin.get(url)).json()["items"]}
        assert owners == {first["id"]: "olive-owner", mine.json()["id"]: "tom-team"}
        named = await admin.patch(link_url, json={"relationship_owner": "olive-owner"})
        assert named.status_code == 200 and named.json()["relationship_owner"] == "olive-owner"

    async def test_an_owner_off_the_team_sees_personal_data_only_when_an_admin_named_them(
        self,
        admin: httpx.AsyncClient,
        client: httpx.AsyncClient,
        as_role: Any,
        projects: FakeProjects,
    ) -> None:
        project = projects.add_project("tom-team")
        by_admin, by_governance = await create_stakeholder(admin), await create_stakeholder(admin)
        await link(admin, by_admin["id"], project, owner="olive-owner")
        await link(client, by_governance["id"], project, owner="tom-team")
        for person in (by_admin, by_governance):
            await consent(admin, person["id"])
        async with as_role("contributor", sub="tom-team") as tom:
            assert (await tom.get(f"/v1/stakeholders/{by_governance['id']}")).json()[
                "view"
            ] == "personal"
        projects.teams[project].discard("tom-team")  # Tom leaves the team
        async with as_role("contributor", sub="tom-team") as tom:
            gone = await tom.get(f"/v1/stakeholders/{by_governance['id']}")
            assert gone.json()["view"] == "restricted"
            contact = await tom.get(f"/v1/stakeholders/{by_governance['id']}/contact")
            assert_problem(contact, 403, "personal-data-not-allowed")
            assert (await tom.get("/v1/stakeholders?q=zephyrine")).json()["items"] == []
        async with as_role("contributor", sub="olive-owner") as olive:
            kept = await olive.get(f"/v1/stakeholders/{by_admin['id']}/contact")
            assert kept.status_code == 200 and kept.json()["email"] == EMAIL


class TestOneCall:
    async def test_a_contributors_link_asks_the_projects_service_once(
        self, as_role: Any, projects: FakeProjects
    ) -> None:
        """Her team for the project and for the person's projects, in one question; her being
        the owner needs no other."""
        project = projects.add_project("mallory")
        async with as_role("contributor", sub="mallory") as mallory:
            person = await create_stakeholder(mallory)
            await link(mallory, person["id"], projects.add_project("mallory"), owner="mallory")
            projects.calls.clear()
            await link(mallory, person["id"], project, owner="mallory")
        assert len(projects.calls) == 1, projects.calls
