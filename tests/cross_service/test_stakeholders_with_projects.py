"""The stakeholders service against the real projects service, in-process: project checks, the
team rule, the caller's token, and the `stakeholder.erased` event reaching a change-feed
consumer in another service's database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from services.stakeholders.tests.builders import NAME, create_stakeholder, link, link_body
from shared.changes import record_audit
from shared.consumer import ChangeFeedConsumer, ConsumerSpec, Event
from shared.testing import TokenFactory, api_client, assert_problem, member_body, project_body

from .conftest import ToProjects, feed_client


async def real_project(
    projects_app: FastAPI,
    tokens: TokenFactory,
    *team: str,
    dates: dict[str, str] | None = None,
) -> str:
    async with api_client(projects_app, token=tokens("governance", sub="gov-1")) as api:
        title = f"Falls sensors {uuid.uuid4().hex[:6]}"
        response = await api.post("/v1/projects", json=project_body(title=title))
        assert response.status_code == 201, response.text
        project_id = str(response.json()["id"])
        for subject in team:
            member = await api.post(
                f"/v1/projects/{project_id}/team",
                json=member_body(subject, display_name="Tom Teague (fictional)", **(dates or {})),
            )
            assert member.status_code == 201, member.text
    return project_id


class TestAgainstTheProjectsService:
    async def test_links_are_checked_and_the_team_sees_personal_data(
        self, stakeholders_on_projects: FastAPI, projects_app: FastAPI, tokens: TokenFactory
    ) -> None:
        project_id = await real_project(projects_app, tokens, "tom-team")
        async with api_client(stakeholders_on_projects, token=tokens("admin", sub="ada")) as admin:
            stakeholder = await create_stakeholder(admin)
            missing = await admin.post(
                f"/v1/stakeholders/{stakeholder['id']}/links",
                json=link_body(uuid.uuid4()),
            )
            assert_problem(missing, 422, "unknown-project")
            await link(admin, stakeholder["id"], uuid.UUID(project_id))
        async with api_client(
            stakeholders_on_projects, token=tokens("contributor", sub="tom-team")
        ) as member:
            seen = (await member.get(f"/v1/stakeholders/{stakeholder['id']}")).json()
        async with api_client(
            stakeholders_on_projects, token=tokens("contributor", sub="carl")
        ) as stranger:
            hidden = (await stranger.get(f"/v1/stakeholders/{stakeholder['id']}")).json()
        assert seen["view"] == "personal" and seen["display_name"] == NAME
        assert hidden["view"] == "restricted" and "display_name" not in hidden

    async def test_the_callers_token_is_forwarded(
        self,
        stakeholders_on_projects: FastAPI,
        projects_app: FastAPI,
        tokens: TokenFactory,
        to_projects: ToProjects,
    ) -> None:
        """A call made on behalf of a request carries the caller's token, not the service's."""
        project_id = await real_project(projects_app, tokens, "tom-team")
        async with api_client(stakeholders_on_projects, token=tokens("admin", sub="ada")) as admin:
            stakeholder = await create_stakeholder(admin)
            await link(admin, stakeholder["id"], uuid.UUID(project_id))
        token = tokens("contributor", sub="tom-team")
        to_projects.authorizations.clear()
        async with api_client(stakeholders_on_projects, token=token) as member:
            seen = await member.get(f"/v1/stakeholders/{stakeholder['id']}")
        assert seen.json()["view"] == "personal"
        assert to_projects.authorizations == [f"Bearer {token}"]

    @pytest.mark.parametrize(
        "dates",
        [
            {"start_date": "2020-01-01", "end_date": "2020-12-31"},  # ended
            {"start_date": "2099-01-01"},  # not started
        ],
        ids=["ended", "not-started"],
    )
    async def test_an_inactive_membership_grants_nothing(
        self,
        stakeholders_on_projects: FastAPI,
        projects_app: FastAPI,
        tokens: TokenFactory,
        dates: dict[str, str],
    ) -> None:
        project_id = await real_project(projects_app, tokens, "ivy-inactive", dates=dates)
        async with api_client(stakeholders_on_projects, token=tokens("admin", sub="ada")) as admin:
            stakeholder = await create_stakeholder(admin)
            await link(admin, stakeholder["id"], uuid.UUID(project_id))
        async with api_client(
            stakeholders_on_projects, token=tokens("contributor", sub="ivy-inactive")
        ) as ivy:
            seen = (await ivy.get(f"/v1/stakeholders/{stakeholder['id']}")).json()
            listed = (await ivy.get("/v1/stakeholders")).json()["items"]
            write = await ivy.patch(
                f"/v1/stakeholders/{stakeholder['id']}", json={"category": "carer"}
            )
            new_link = await ivy.post(
                f"/v1/stakeholders/{stakeholder['id']}/links",
                json=link_body(project_id, owner="ivy-inactive", role="advisor"),
            )
        assert seen["view"] == "restricted"
        assert [item["view"] for item in listed if item["id"] == stakeholder["id"]] == [
            "restricted"
        ]
        assert_problem(write, 403, "not-a-project-team-member")
        assert_problem(new_link, 403, "not-a-project-team-member")

    async def test_erasure_event_reaches_a_consumer(
        self, stakeholders_on_projects: FastAPI, projects_app: FastAPI, tokens: TokenFactory
    ) -> None:
        received: list[dict[str, Any]] = []

        async def on_erased(session: AsyncSession, event: Event) -> str:
            received.append(dict(event["data"]))
            await record_audit(
                session,
                entity_type="stakeholder_ref",
                entity_id=event["data"]["stakeholder_id"],
                action="redaction_review_queued",
                changes={},
            )
            return "queued"

        consumer = ChangeFeedConsumer(
            spec=ConsumerSpec(producer="stakeholders", handlers={"stakeholder.erased": on_erased}),
            client=feed_client("stakeholders", stakeholders_on_projects, tokens),
            database=projects_app.state.database,
        )
        async with api_client(stakeholders_on_projects, token=tokens("admin", sub="ada")) as admin:
            stakeholder = await create_stakeholder(admin)
            erased = (await admin.post(f"/v1/stakeholders/{stakeholder['id']}/erasure")).json()
        assert await consumer.step() == 1
        assert received == [{"stakeholder_id": stakeholder["id"], "erased_at": erased["erased_at"]}]
        assert await consumer.step() == 0  # applied once
        await consumer.client.aclose()
