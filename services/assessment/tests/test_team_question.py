"""The write-rights team question (`ProjectsClient.active_projects`): ids only, from
`GET /v1/projects/team-ids`, and the list's `team_member` filter when a projects release from
before that question answers it 404 (a rolling upgrade)."""

from __future__ import annotations

import uuid

import httpx

from assessment_service.clients.projects import ProjectsClient
from shared.http import ServiceClient
from shared.testing import FakeProjects


class _Recording(httpx.AsyncBaseTransport):
    """`projects`, with the paths asked; `without_team_ids` plays the release before it."""

    def __init__(self, projects: FakeProjects, *, without_team_ids: bool) -> None:
        self.projects = projects
        self.without_team_ids = without_team_ids
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        if self.without_team_ids and request.url.path == "/v1/projects/team-ids":
            return httpx.Response(404, json={"status": 404}, request=request)
        return await self.projects.handle_async_request(request)


async def _ask(without_team_ids: bool) -> tuple[set[uuid.UUID], set[uuid.UUID], list[str]]:
    projects = FakeProjects()
    mine = {projects.add_project("carl") for _ in range(2)}
    other = projects.add_project("olga")
    transport = _Recording(projects, without_team_ids=without_team_ids)
    client = ServiceClient("projects", "http://projects", transport=transport, attempts=1)
    try:
        found = await ProjectsClient(client).active_projects("carl", {*mine, other, uuid.uuid4()})
    finally:
        await client.aclose()
    projects.verify()
    return found, mine, transport.paths


async def test_the_question_is_one_call_for_ids() -> None:
    found, mine, paths = await _ask(without_team_ids=False)
    assert found == mine
    assert paths == ["/v1/projects/team-ids"]


async def test_a_release_without_it_is_asked_with_the_list() -> None:
    found, mine, paths = await _ask(without_team_ids=True)
    assert found == mine
    assert paths == ["/v1/projects/team-ids", "/v1/projects"]
