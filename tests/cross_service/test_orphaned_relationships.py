"""A role ending in the real projects service orphans the relationships its holder owned alone in
the real stakeholders service, through the stakeholders service's own consumer of the projects
feed (#14 item 7): the event's shape is the producer's, not a fake's."""

from __future__ import annotations

import uuid

from fastapi import FastAPI

from services.stakeholders.tests.builders import create_stakeholder, link
from shared.testing import TokenFactory, api_client

from .test_stakeholders_with_projects import real_project


async def test_the_last_role_ending_orphans_sole_owned_links(
    stakeholders_on_projects: FastAPI, projects_app: FastAPI, tokens: TokenFactory
) -> None:
    project_id = await real_project(projects_app, tokens, "rhys-pm", "nia-lead")
    async with api_client(stakeholders_on_projects, token=tokens("admin", sub="ada")) as admin:
        alone = await create_stakeholder(admin)
        shared = await create_stakeholder(admin)
        owned = await link(admin, alone["id"], uuid.UUID(project_id), owner="rhys-pm")
        await link(admin, shared["id"], uuid.UUID(project_id), owner="rhys-pm", role="sponsor")
        await link(admin, shared["id"], uuid.UUID(project_id), owner="nia-lead", role="advisor")
    async with api_client(projects_app, token=tokens("governance", sub="gov-1")) as gov:
        team = (await gov.get(f"/v1/projects/{project_id}/team?subject=rhys-pm")).json()
        (membership,) = team["items"]
        ended = await gov.patch(
            f"/v1/projects/{project_id}/team/{membership['id']}", json={"end_date": "2026-06-30"}
        )
        assert ended.status_code == 200, ended.text
    consumer = stakeholders_on_projects.state.consumers["projects"]
    assert await consumer.step() >= 1
    async with api_client(stakeholders_on_projects, token=tokens("governance", sub="g")) as api:
        listed = (await api.get("/v1/stakeholders/orphaned-relationships")).json()["items"]
        assert [(item["id"], item["orphaned_on"]) for item in listed] == [
            (owned["id"], "2026-06-30")
        ]
        async with api_client(stakeholders_on_projects, token=tokens("service")) as svc:
            feed = (await svc.get("/v1/events?type=relationship.orphaned")).json()["items"]
        assert [event["entity_id"] for event in feed] == [owned["id"]]
    # Redelivery changes nothing: the consumer has recorded the event.
    assert await consumer.step() == 0
