"""The register: stakeholders, contact details, project links and the role rules."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.stakeholders.tests.builders import (
    EMAIL,
    NAME,
    PHONE,
    consent,
    create_stakeholder,
    link,
    link_body,
    new_stakeholder,
)
from shared.testing import FakeProjects, TokenFactory, api_client, assert_problem

PERSONAL_KEYS = {
    "display_name",
    "external_ref",
    "under_served_group_codes",
    "contact",
    "contactable",
    "erased_at",
    "created_by",
}
RESTRICTED_KEYS = {
    "view",
    "id",
    "kind",
    "category",
    "organisation_id",
    "is_public_contributor",
    "status",
    "created_at",
    "updated_at",
    "version",
}


def assert_restricted(body: dict[str, Any]) -> None:
    assert body["view"] == "restricted"
    assert set(body) == RESTRICTED_KEYS  # personal fields absent, not null
    assert NAME not in str(body) and EMAIL not in str(body)


class TestCreateStakeholder:
    async def test_creates_with_location_etag_and_restricted_answer_for_unlinked_creator(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        response = await client.post("/v1/stakeholders", json=new_stakeholder())
        assert response.status_code == 201
        body = response.json()
        assert response.headers["location"] == f"/v1/stakeholders/{body['id']}"
        assert response.headers["etag"] == '"v1"'
        # gov-1 owns no relationship and is on no team yet: the role rules apply to writes too.
        assert_restricted(body)
        assert body["status"] == "active"

    async def test_admin_gets_personal_view_without_contact_until_consent(
        self, admin: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        body = await create_stakeholder(admin)
        assert body["view"] == "personal"
        assert body["display_name"] == NAME
        assert body["contactable"] is False
        assert body["contact"] is None

    async def test_unknown_organisation_is_422(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/stakeholders", json=new_stakeholder(organisation_id=str(uuid.uuid4()))
        )
        body = assert_problem(response, 422, "unknown-organisation")
        assert body["errors"][0]["pointer"] == "/organisation_id"

    async def test_bad_email_and_unknown_category_are_422(self, client: httpx.AsyncClient) -> None:
        bad_email = await client.post(
            "/v1/stakeholders", json=new_stakeholder(contact={"email": "not-an-email"})
        )
        assert_problem(bad_email, 422, "validation-error")
        assert bad_email.json()["errors"][0]["pointer"] == "/contact/email"
        assert "not-an-email" not in bad_email.text  # the input is never echoed
        bad_category = await client.post("/v1/stakeholders", json=new_stakeholder(category="vip"))
        assert_problem(bad_category, 422, "validation-error")

    async def test_viewer_cannot_create(self, as_role: Any) -> None:
        async with as_role("viewer") as viewer:
            response = await viewer.post("/v1/stakeholders", json=new_stakeholder())
        assert_problem(response, 403, "forbidden")


class TestRoleRules:
    """Field by field: who receives names and contacts (personal data leaves the service only
    to admin, the relationship owner and the linked project's team)."""

    @pytest.mark.parametrize(
        ("roles", "sub", "personal"),
        [
            (("admin",), "ada", True),
            (("contributor",), "olive-owner", True),  # relationship owner
            (("evaluator",), "tom-team", True),  # on the linked project's team
            (("governance",), "gov-1", False),  # neither owner nor team
            (("contributor",), "carl-stranger", False),
            (("reporter",), "olive-owner", False),  # reporters never, even as owner
            (("viewer",), "tom-team", False),  # viewers never, even on the team
            (("service",), "service:projects", False),
        ],
    )
    async def test_get_stakeholder(
        self,
        admin: httpx.AsyncClient,
        as_role: Any,
        projects: FakeProjects,
        roles: tuple[str, ...],
        sub: str,
        personal: bool,
    ) -> None:
        stakeholder = await create_stakeholder(admin)
        project_id = projects.add_project("tom-team")
        await link(admin, stakeholder["id"], project_id, owner="olive-owner")
        await consent(admin, stakeholder["id"])
        async with as_role(*roles, sub=sub) as api:
            response = await api.get(f"/v1/stakeholders/{stakeholder['id']}")
            listed = (await api.get("/v1/stakeholders")).json()["items"]
        assert response.status_code == 200
        body = response.json()
        assert listed == [body]
        if personal:
            assert body["view"] == "personal"
            assert body["display_name"] == NAME
            assert body["contact"]["email"] == EMAIL
            assert body["contact"]["phone"] == PHONE
            assert set(body) >= PERSONAL_KEYS
        else:
            assert_restricted(body)

    async def test_team_checks_are_one_call_per_request_not_per_stakeholder_or_project(
        self, admin: httpx.AsyncClient, as_role: Any, projects: FakeProjects
    ) -> None:
        project_ids = sorted([projects.add_project("tom-team"), projects.add_project("tom-team")])
        for index in range(4):
            stakeholder = await create_stakeholder(admin)
            await link(admin, stakeholder["id"], project_ids[index % 2])
        projects.calls.clear()
        async with as_role("contributor", sub="tom-team") as api:
            items = (await api.get("/v1/stakeholders")).json()["items"]
        assert [item["view"] for item in items] == ["personal"] * 4
        assert [
            (call.path, call.param("team_member"), sorted(call.params("id")))
            for call in projects.calls
        ] == [("/v1/projects/team-ids", "tom-team", sorted(str(p) for p in project_ids))]

    async def test_team_check_needs_the_projects_service(
        self, admin: httpx.AsyncClient, as_role: Any, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(admin)
        await link(admin, stakeholder["id"], projects.add_project("tom-team"))
        projects.reachable = False
        async with as_role("contributor", sub="tom-team") as api:
            response = await api.get(f"/v1/stakeholders/{stakeholder['id']}")
        assert_problem(response, 503, "upstream-unavailable")


class TestGetStakeholder:
    async def test_unknown_is_404_problem(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/stakeholders/{uuid.uuid4()}")
        assert_problem(response, 404, "stakeholder-not-found")

    async def test_conditional_get(self, client: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(client)
        url = f"/v1/stakeholders/{stakeholder['id']}"
        first = await client.get(url)
        again = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304

    async def test_contact_change_and_consent_change_the_etag(
        self, admin: httpx.AsyncClient
    ) -> None:
        stakeholder = await create_stakeholder(admin)
        url = f"/v1/stakeholders/{stakeholder['id']}"
        before = (await admin.get(url)).headers["etag"]
        await consent(admin, stakeholder["id"])
        after = (await admin.get(url)).headers["etag"]
        assert before != after


class TestListStakeholders:
    async def test_filters(self, admin: httpx.AsyncClient, projects: FakeProjects) -> None:
        project_id = projects.add_project()
        patient = await create_stakeholder(admin)
        await create_stakeholder(admin, category="academic", display_name="Dr Ione Brackwater")
        await link(admin, patient["id"], project_id)
        by_project = (await admin.get(f"/v1/stakeholders?project_id={project_id}")).json()
        assert [s["id"] for s in by_project["items"]] == [patient["id"]]
        academics = (await admin.get("/v1/stakeholders?category=academic")).json()["items"]
        assert [s["display_name"] for s in academics] == ["Dr Ione Brackwater"]
        future = await admin.get("/v1/stakeholders?updated_since=2999-01-01T00:00:00Z")
        assert future.json()["items"] == []

    async def test_name_search_is_limited_to_what_the_caller_may_see(
        self, admin: httpx.AsyncClient, as_role: Any, projects: FakeProjects
    ) -> None:
        mine = await create_stakeholder(admin)
        await create_stakeholder(admin, display_name="Zephyrine Other")
        await link(admin, mine["id"], projects.add_project(), owner="olive-owner")
        everyone = (await admin.get("/v1/stakeholders?q=zephyrine")).json()["items"]
        assert len(everyone) == 2
        async with as_role("contributor", sub="olive-owner") as owner:
            own = (await owner.get("/v1/stakeholders?q=zephyrine")).json()["items"]
        assert [s["id"] for s in own] == [mine["id"]]
        async with as_role("reporter", sub="rita") as reporter:
            refused = await reporter.get("/v1/stakeholders?q=zephyrine")
        assert_problem(refused, 403, "personal-search-not-allowed")


class TestUpdateStakeholder:
    async def test_merge_patch_and_if_match(self, admin: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(admin)
        url = f"/v1/stakeholders/{stakeholder['id']}"
        response = await admin.patch(
            url,
            content=b'{"status": "inactive", "external_ref": null}',
            headers={"content-type": "application/merge-patch+json", "If-Match": '"v1"'},
        )
        assert response.status_code == 200
        assert response.json()["status"] == "inactive"
        assert response.json()["display_name"] == NAME
        stale = await admin.patch(url, json={"category": "carer"}, headers={"If-Match": '"v1"'})
        assert_problem(stale, 412, "precondition-failed")

    async def test_erased_status_cannot_be_patched_in(self, admin: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(admin)
        response = await admin.patch(
            f"/v1/stakeholders/{stakeholder['id']}", json={"status": "erased"}
        )
        assert_problem(response, 422, "validation-error")

    async def test_name_cannot_be_cleared(self, admin: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(admin)
        response = await admin.patch(
            f"/v1/stakeholders/{stakeholder['id']}", json={"display_name": None}
        )
        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["pointer"] == "/display_name"


class TestContact:
    async def test_served_for_contact_only_while_consent_is_current(
        self, admin: httpx.AsyncClient
    ) -> None:
        stakeholder = await create_stakeholder(admin)
        url = f"/v1/stakeholders/{stakeholder['id']}/contact"
        assert_problem(await admin.get(url), 409, "contact-consent-missing")
        given = await consent(admin, stakeholder["id"])
        served = await admin.get(url)
        assert served.status_code == 200
        assert served.json()["email"] == EMAIL
        withdrawn = await admin.post(
            f"/v1/stakeholders/{stakeholder['id']}/consents/{given['id']}/transitions",
            json={"to": "withdrawn"},
        )
        assert withdrawn.status_code == 200
        assert_problem(await admin.get(url), 409, "contact-consent-missing")
        person = (await admin.get(f"/v1/stakeholders/{stakeholder['id']}")).json()
        assert person["contactable"] is False
        assert person["contact"] is None

    async def test_expired_consent_stops_contact(self, admin: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(admin)
        await consent(
            admin,
            stakeholder["id"],
            given_at="2024-01-01T00:00:00Z",
            expires_at="2025-01-01T00:00:00Z",
        )
        response = await admin.get(f"/v1/stakeholders/{stakeholder['id']}/contact")
        assert_problem(response, 409, "contact-consent-missing")

    async def test_callers_without_personal_access_are_refused(
        self, admin: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        stakeholder = await create_stakeholder(admin)
        await consent(admin, stakeholder["id"])
        response = await client.get(f"/v1/stakeholders/{stakeholder['id']}/contact")
        assert_problem(response, 403, "personal-data-not-allowed")
        assert EMAIL not in response.text
        write = await client.put(
            f"/v1/stakeholders/{stakeholder['id']}/contact", json={"email": "x@example.org"}
        )
        assert_problem(write, 403, "personal-data-not-allowed")

    async def test_owner_replaces_contact_details(
        self, admin: httpx.AsyncClient, as_role: Any, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(admin, contact=None)
        await link(admin, stakeholder["id"], projects.add_project(), owner="olive-owner")
        async with as_role("contributor", sub="olive-owner") as owner:
            assert_problem(
                await owner.get(f"/v1/stakeholders/{stakeholder['id']}/contact"),
                404,
                "no-contact-details",
            )
            response = await owner.put(
                f"/v1/stakeholders/{stakeholder['id']}/contact",
                json={"phone": "+44 151 496 0000", "accessibility_needs": "Step-free access"},
            )
        assert response.status_code == 200
        assert response.json()["phone"] == "+44 151 496 0000"
        assert response.json()["email"] is None


class TestLinks:
    async def test_link_checks_the_project(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(client)
        response = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/links",
            json=link_body(uuid.uuid4(), role="sponsor"),
        )
        body = assert_problem(response, 422, "unknown-project")
        assert body["errors"] == [
            {"pointer": "/project_id", "location": "body", "detail": "No such project."}
        ]

    async def test_projects_unreachable_is_503(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(client)
        project_id = projects.add_project()
        projects.reachable = False
        response = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/links",
            json=link_body(project_id, role="sponsor"),
        )
        assert_problem(response, 503, "upstream-unavailable")
        assert response.headers["retry-after"] == "5"

    async def test_duplicate_is_409_then_patch_and_delete(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(client)
        # Owners are named from the project's team (only an admin may name anyone).
        project_id = projects.add_project("olive-owner", "someone-else", "new-owner")
        created = await link(client, stakeholder["id"], project_id)
        again = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/links",
            json=link_body(project_id, owner="someone-else"),
        )
        assert_problem(again, 409, "duplicate-project-link")
        url = f"/v1/stakeholders/{stakeholder['id']}/links/{created['id']}"
        patched = await client.patch(url, json={"relationship_owner": "new-owner"})
        assert patched.json()["relationship_owner"] == "new-owner"
        listed = (await client.get(f"/v1/stakeholders/{stakeholder['id']}/links")).json()
        assert [item["relationship_owner"] for item in listed["items"]] == ["new-owner"]
        assert (await client.delete(url, headers={"If-Match": '"v1"'})).status_code == 412
        assert (await client.delete(url)).status_code == 204
        assert_problem(await client.delete(url), 404, "project-link-not-found")


class TestAuditKeepsPersonalDataOut:
    async def test_audit_and_events_show_redacted_values(
        self, admin: httpx.AsyncClient, app: FastAPI, tokens: TokenFactory
    ) -> None:
        stakeholder = await create_stakeholder(admin)
        audit = (
            await admin.get(f"/v1/audit?entity_type=stakeholder&entity_id={stakeholder['id']}")
        ).json()["items"]
        assert audit[0]["changes"]["display_name"] == {"before": None, "after": "[redacted]"}
        async with api_client(app, token=tokens("service")) as service:
            events = (await service.get("/v1/events")).json()["items"]
        assert {e["type"] for e in events} == {"stakeholder.created", "contact_details.created"}
        assert NAME not in str(events) and EMAIL not in str(events) and PHONE not in str(events)
