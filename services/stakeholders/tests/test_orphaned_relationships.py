"""Orphaned relationships (#14 item 7): the projects feed's `team_membership.role_ended` flags
the relationships the person owned alone on that project, publishes `relationship.orphaned`
per link, lists them for reassignment, and a new owner takes a link off the list.

Hand-computed world: on project P, "olive" owns Ann's beneficiary and advisor links (Ann's
relationship is olive's alone), Ben's sponsor link (Ben's decision-maker link is owned by
"sam": co-owned), and on project Q Cat's link (another project: untouched)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from services.stakeholders.tests.builders import create_stakeholder, link
from shared.testing import FakeProjects, TokenFactory, api_client, assert_problem

Json = dict[str, Any]


def _ended(
    projects: FakeProjects,
    project_id: uuid.UUID,
    subject: str = "olive",
    *,
    still_on_team: bool = False,
    end: str = "2026-06-30",
) -> None:
    membership = str(uuid.uuid4())
    projects.publish(
        "team_membership.role_ended",
        {
            "membership_id": membership,
            "project_id": str(project_id),
            "subject": subject,
            "role": "project_lead",
            "end_date": end,
            "remaining_roles": ["member"] if still_on_team else [],
            "still_on_team": still_on_team,
        },
        entity_type="team_membership",
        entity_id=membership,
    )


async def _world(client: httpx.AsyncClient, projects: FakeProjects) -> dict[str, Any]:
    p = projects.add_project("olive", "sam")
    q = projects.add_project("olive")
    ann, ben, cat = [await create_stakeholder(client) for _ in range(3)]
    return {
        "p": p,
        "q": q,
        "ann": ann,
        "ben": ben,
        "ann_beneficiary": await link(client, ann["id"], p, owner="olive"),
        "ann_advisor": await link(client, ann["id"], p, owner="olive", role="advisor"),
        "ben_sponsor": await link(client, ben["id"], p, owner="olive", role="sponsor"),
        "ben_decider": await link(client, ben["id"], p, owner="sam", role="decision_maker"),
        "cat_q": await link(client, cat["id"], q, owner="olive"),
    }


async def _orphaned(client: httpx.AsyncClient, query: str = "") -> list[str]:
    response = await client.get(f"/v1/stakeholders/orphaned-relationships{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


class TestRoleEndOrphansSoleOwnedRelationships:
    async def test_flags_lists_and_announces_only_what_was_owned_alone(
        self, client, app: FastAPI, projects: FakeProjects, tokens: TokenFactory
    ) -> None:
        world = await _world(client, projects)
        _ended(projects, world["p"])
        assert await app.state.consumers["projects"].step() == 1
        ann_links = sorted([world["ann_beneficiary"]["id"], world["ann_advisor"]["id"]])
        assert sorted(await _orphaned(client)) == ann_links
        assert sorted(await _orphaned(client, f"?project_id={world['p']}")) == ann_links
        assert await _orphaned(client, f"?project_id={world['q']}") == []
        assert await _orphaned(client, "?former_owner=sam") == []
        listed = (await client.get(f"/v1/stakeholders/{world['ann']['id']}/links")).json()
        assert {item["orphaned_on"] for item in listed["items"]} == {"2026-06-30"}
        ben = (await client.get(f"/v1/stakeholders/{world['ben']['id']}/links")).json()
        assert {item["orphaned_on"] for item in ben["items"]} == {None}
        async with api_client(app, token=tokens("service")) as svc:
            feed = (await svc.get("/v1/events?type=relationship.orphaned")).json()["items"]
        assert sorted(e["entity_id"] for e in feed) == ann_links
        assert {e["entity_type"] for e in feed} == {"project_link"}
        data = feed[0]["data"]
        assert (data["stakeholder_id"], data["project_id"]) == (world["ann"]["id"], str(world["p"]))
        assert (data["former_owner"], data["ended_role"], data["orphaned_on"]) == (
            "olive",
            "project_lead",
            "2026-06-30",
        )

    async def test_a_redelivered_or_repeated_end_flags_once(
        self, client, app: FastAPI, projects: FakeProjects, tokens: TokenFactory
    ) -> None:
        world = await _world(client, projects)
        _ended(projects, world["p"])
        _ended(projects, world["p"], end="2026-07-31")  # a second role of olive's ending later
        assert await app.state.consumers["projects"].step() == 2
        async with api_client(app, token=tokens("service")) as svc:
            feed = (await svc.get("/v1/events?type=relationship.orphaned")).json()["items"]
        assert len(feed) == 2  # Ann's two links, from the first end only
        listed = (await client.get(f"/v1/stakeholders/{world['ann']['id']}/links")).json()
        assert {item["orphaned_on"] for item in listed["items"]} == {"2026-06-30"}

    async def test_still_on_the_team_orphans_nothing(
        self, client, app: FastAPI, projects: FakeProjects
    ) -> None:
        world = await _world(client, projects)
        _ended(projects, world["p"], still_on_team=True)
        assert await app.state.consumers["projects"].step() == 1
        assert await _orphaned(client) == []

    async def test_an_unreadable_event_is_noted_not_fatal(
        self, client, app: FastAPI, projects: FakeProjects
    ) -> None:
        await _world(client, projects)
        projects.publish("team_membership.role_ended", {"subject": "olive"})
        assert await app.state.consumers["projects"].step() == 1
        assert await _orphaned(client) == []


class TestReassignment:
    async def test_a_new_owner_takes_the_link_off_the_list(
        self, client, app: FastAPI, projects: FakeProjects
    ) -> None:
        world = await _world(client, projects)
        _ended(projects, world["p"])
        await app.state.consumers["projects"].step()
        beneficiary = world["ann_beneficiary"]
        url = f"/v1/stakeholders/{world['ann']['id']}/links/{beneficiary['id']}"
        # The same owner again is no reassignment.
        same = await client.patch(url, json={"relationship_owner": "olive"})
        assert same.json()["orphaned_on"] == "2026-06-30"
        moved = await client.patch(url, json={"relationship_owner": "sam"})
        assert (moved.json()["relationship_owner"], moved.json()["orphaned_on"]) == ("sam", None)
        assert await _orphaned(client) == [world["ann_advisor"]["id"]]

    async def test_the_list_takes_only_its_documented_parameters(self, client) -> None:
        response = await client.get("/v1/stakeholders/orphaned-relationships?project=x")
        assert_problem(response, 422)
        response = await client.get("/v1/stakeholders/orphaned-relationships?project_id=nope")
        assert_problem(response, 422)
