"""Issue #16 item 3: a page costs at most one call to the projects service, whatever its size and
however many projects its stakeholders are linked to, and who sees personal data is unchanged.

The stakeholders are written straight into the database (200 people, 400 links) and the projects
service is the kit's `FakeProjects` (checked against the projects OpenAPI snapshot), swapped in for
this module's tests only, so its `calls` are exactly this service's requests.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.http import ServiceClient
from shared.testing import FakeProjects, TokenFactory, api_client
from stakeholders_service.stakeholders.models import (
    ProjectLink,
    RoleInProject,
    Stakeholder,
    StakeholderCategory,
    StakeholderKind,
)

TESS = "tess-team"


@pytest.fixture
async def fake(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeProjects]:
    projects = FakeProjects()
    client = ServiceClient("projects", "http://projects", transport=projects, attempts=1)
    monkeypatch.setitem(app.state.clients, "projects", client)
    try:
        yield projects
        projects.verify()
    finally:
        await client.aclose()


async def seed(app: FastAPI, projects: FakeProjects, count: int) -> dict[str, bool]:
    """`count` people, each linked to two projects of their own; which of them Tess may see.

    Even people: Tess is on the team of their first project. Every fifth person's first link is
    owned by Tess: on her team for 0, 10, ...; for 5, 25, ... an admin named her, which is
    enough alone; for 15, 35, ... the rule checked her against a team she is no longer on, which
    grants nothing."""
    expected: dict[str, bool] = {}
    async with app.state.database.sessionmaker() as session:
        for index in range(count):
            person = Stakeholder(
                kind=StakeholderKind.individual,
                display_name=f"Person {index:03d}",
                category=StakeholderCategory.patient,
                created_by="gov-1",
            )
            session.add(person)
            await session.flush()
            first = projects.add_project(TESS) if index % 2 == 0 else projects.add_project("ola")
            second = projects.add_project("ola")
            by_admin = index % 20 == 5
            session.add_all(
                [
                    ProjectLink(
                        stakeholder_id=person.id,
                        project_id=first,
                        role_in_project=RoleInProject.beneficiary,
                        relationship_owner=TESS if index % 5 == 0 else "ola",
                        owner_set_by_admin=by_admin,
                    ),
                    ProjectLink(
                        stakeholder_id=person.id,
                        project_id=second,
                        role_in_project=RoleInProject.advisor,
                        relationship_owner="ola",
                    ),
                ]
            )
            expected[str(person.id)] = index % 2 == 0 or by_admin
        await session.commit()
    return expected


async def pages(
    api: httpx.AsyncClient, url: str, fake: FakeProjects
) -> list[tuple[list[dict[str, Any]], int]]:
    """Every page of a list, following `next_cursor`, each with the projects calls it made."""
    found: list[tuple[list[dict[str, Any]], int]] = []
    cursor: str | None = None
    while True:
        fake.calls.clear()
        response = await api.get(f"{url}&cursor={cursor}" if cursor else url)
        assert response.status_code == 200, response.text
        body = response.json()
        found.append((body["items"], len(fake.calls)))
        cursor = body["next_cursor"]
        if cursor is None:
            return found


@pytest.mark.parametrize("limit", [50, 200])
async def test_a_page_is_one_call_and_the_access_outcome_is_unchanged(
    app: FastAPI, tokens: TokenFactory, fake: FakeProjects, limit: int
) -> None:
    expected = await seed(app, fake, 200)
    async with api_client(app, token=tokens("contributor", sub=TESS)) as tess:
        walked = await pages(tess, f"/v1/stakeholders?limit={limit}", fake)
    assert len(walked) == 200 // limit
    assert [calls for _, calls in walked] == [1] * len(walked)
    seen = [item for items, _ in walked for item in items]
    assert {item["id"]: item["view"] == "personal" for item in seen} == expected
    assert sum(expected.values()) == 100 + 10  # the team's half, and the admin-named owners
    # The same people in the same order as an admin sees them, only their views differ.
    async with api_client(app, token=tokens("admin", sub="ada")) as admin:
        everyone = await pages(admin, f"/v1/stakeholders?limit={limit}", fake)
    assert [i["id"] for items, _ in everyone for i in items] == [i["id"] for i in seen]
    assert [calls for _, calls in everyone] == [0] * len(everyone)


async def test_a_name_search_is_one_call_too(
    app: FastAPI, tokens: TokenFactory, fake: FakeProjects
) -> None:
    expected = await seed(app, fake, 200)
    fake.calls.clear()
    async with api_client(app, token=tokens("contributor", sub=TESS)) as tess:
        found = await tess.get("/v1/stakeholders?q=person&limit=200")
    assert found.status_code == 200, found.text
    assert len(fake.calls) == 1, fake.calls
    # The scope of a search is the relationships she really owns: those on her team (0, 10, ...)
    # and the admin-named ones (5, 25, ...); never 15, 35, ..., whose team she is not on.
    ids = {item["id"] for item in found.json()["items"]}
    owned = {sid for index, sid in enumerate(expected) if index % 10 == 0 or index % 20 == 5}
    assert ids == owned
    assert all(item["view"] == "personal" for item in found.json()["items"])


async def test_a_single_read_is_one_call(
    app: FastAPI, tokens: TokenFactory, fake: FakeProjects
) -> None:
    expected = await seed(app, fake, 3)
    fake.calls.clear()
    async with api_client(app, token=tokens("contributor", sub=TESS)) as tess:
        for sid, personal in expected.items():
            body = (await tess.get(f"/v1/stakeholders/{sid}")).json()
            assert body["view"] == ("personal" if personal else "restricted")
    assert len(fake.calls) == len(expected), fake.calls


async def test_an_admin_page_asks_nothing(
    app: FastAPI, tokens: TokenFactory, fake: FakeProjects
) -> None:
    await seed(app, fake, 20)
    fake.calls.clear()
    async with api_client(app, token=tokens("admin", sub="ada")) as admin:
        assert (await admin.get("/v1/stakeholders")).status_code == 200
    assert fake.calls == []


async def test_asking_more_than_the_list_takes_asks_for_the_subjects_teams(
    fake: FakeProjects,
) -> None:
    """The client itself: 201+ projects is one call for the subject's teams, and what it
    learnt answers the next question without another."""
    from stakeholders_service.clients.projects import MAX_IDS_PER_CALL, ProjectsClient

    mine = {fake.add_project(TESS) for _ in range(3)}
    others = {fake.add_project("ola") for _ in range(MAX_IDS_PER_CALL)}
    client = ServiceClient("projects", "http://projects", transport=fake, attempts=1)
    try:
        projects = ProjectsClient(client)
        assert await projects.active_projects(TESS, mine | others) == mine
        assert await projects.active_projects(TESS, {*others, uuid.uuid4()}) == set()
        assert await projects.active_projects(TESS, mine) == mine
    finally:
        await client.aclose()
    assert len(fake.calls) == 1, fake.calls
    assert "id" not in fake.calls[0].query


async def test_the_team_question_asks_for_ids_only(
    app: FastAPI, tokens: TokenFactory, fake: FakeProjects
) -> None:
    """The page's one call is `GET /v1/projects/team-ids` (a few hundred bytes), not the list
    of the projects themselves (24 KB for 22 projects on the benchmark's dataset)."""
    await seed(app, fake, 20)
    fake.calls.clear()
    async with api_client(app, token=tokens("contributor", sub=TESS)) as tess:
        assert (await tess.get("/v1/stakeholders")).status_code == 200
    assert [(call.path, call.param("team_member")) for call in fake.calls] == [
        ("/v1/projects/team-ids", TESS)
    ]


class _ReleaseBeforeTeamIds(httpx.AsyncBaseTransport):
    """A projects release without `/v1/projects/team-ids`: its `/v1/projects/{id}` answers
    the segment 404; the list answers the team filter."""

    def __init__(self, projects: FakeProjects) -> None:
        self.projects = projects
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if request.url.path == "/v1/projects/team-ids":
            return httpx.Response(404, json={"type": "not-found", "status": 404}, request=request)
        return await self.projects.handle_async_request(request)


async def test_a_projects_release_without_the_question_is_asked_with_the_list(
    fake: FakeProjects,
) -> None:
    from stakeholders_service.clients.projects import ProjectsClient

    mine = {fake.add_project(TESS) for _ in range(2)}
    other = fake.add_project("ola")
    transport = _ReleaseBeforeTeamIds(fake)
    client = ServiceClient("projects", "http://projects", transport=transport, attempts=1)
    try:
        projects = ProjectsClient(client)
        assert await projects.active_projects(TESS, {*mine, other}) == mine
        assert await ProjectsClient(client).team_projects(TESS) == mine
    finally:
        await client.aclose()
    assert transport.paths == [
        "/v1/projects/team-ids",
        "/v1/projects",
        "/v1/projects/team-ids",
        "/v1/projects",
    ]
