"""The one client for the projects service (`clients/projects.py`): typed answers from the real
projects app, the membership rule (only a membership active today grants anything), the token
rule (the caller's token, the service's own only when asked) and the error mapping."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assessment_service.clients.projects import ProjectsClient, ProjectSnapshot
from shared.context import authorization_var
from shared.http import BadGateway, ServiceClient, UpstreamUnavailable
from shared.testing import TokenFactory, api_client, member_body

from .flow import Flow, Linked


@pytest.fixture
def as_caller(tokens: TokenFactory) -> Iterator[str]:
    """Run the test as if inside a request from a governance caller (its token in context)."""
    token = tokens("governance", sub="gov-1")
    reset = authorization_var.set(f"Bearer {token}")
    yield token
    authorization_var.reset(reset)


def _client(linked: Linked) -> ProjectsClient:
    return ProjectsClient(
        ServiceClient(
            "projects", "http://projects", transport=httpx.ASGITransport(app=linked.projects)
        )
    )


async def _add_member(flow: Flow, project_id: str, subject: str, **dates: str) -> None:
    async with api_client(flow.linked.projects, token=flow.tokens("governance")) as client:
        response = await client.post(
            f"/v1/projects/{project_id}/team", json=member_body(subject, **dates)
        )
        assert response.status_code == 201, response.text


class TestAgainstTheProjectsService:
    async def test_a_project_as_a_typed_snapshot(
        self, flow: Flow, linked: Linked, as_caller: str
    ) -> None:
        project_id = uuid.UUID(await flow.project(is_digital=True))
        client = _client(linked)
        snapshot = await client.get_project(project_id)
        assert isinstance(snapshot, ProjectSnapshot)
        assert (snapshot.id, snapshot.stage, snapshot.is_digital) == (project_id, "idea", True)
        assert await client.project_exists(project_id)
        assert await client.get_project(uuid.uuid4()) is None
        assert not await client.project_exists(uuid.uuid4())
        assert await client.existing([project_id, uuid.uuid4()]) == {project_id}

    async def test_only_a_membership_active_today_counts(
        self, flow: Flow, linked: Linked, as_caller: str
    ) -> None:
        today = dt.date.today()
        current = uuid.UUID(await flow.project())
        ended = uuid.UUID(await flow.project())
        future = uuid.UUID(await flow.project())
        await _add_member(flow, str(current), "carol", start_date=str(today))
        await _add_member(
            flow,
            str(ended),
            "carol",
            start_date=str(today - dt.timedelta(days=30)),
            end_date=str(today - dt.timedelta(days=1)),
        )
        await _add_member(flow, str(future), "carol", start_date=str(today + dt.timedelta(days=1)))
        found = await _client(linked).active_projects("carol", [current, ended, future])
        assert found == {current}


class _Recorder(httpx.AsyncBaseTransport):
    def __init__(self, status: int = 200, body: Any = None) -> None:
        self.status, self.body = status, body
        self.authorization: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.authorization.append(request.headers.get("authorization"))
        return httpx.Response(self.status, json=self.body)


def _recorded(transport: _Recorder, *, as_service: bool = False) -> ProjectsClient:
    service = ServiceClient(
        "projects",
        "http://projects",
        transport=transport,
        token_provider=lambda: "service-token",
        attempts=1,
    )
    return ProjectsClient(service, as_service=as_service)


class TestTokenRule:
    async def test_the_callers_token_is_forwarded(self) -> None:
        transport = _Recorder(body={"project_ids": []})  # the team question's answer
        reset = authorization_var.set("Bearer caller-token")
        try:
            await _recorded(transport).active_projects("carol", [uuid.uuid4()])
        finally:
            authorization_var.reset(reset)
        assert transport.authorization == ["Bearer caller-token"]

    async def test_background_work_acts_as_the_service(self) -> None:
        transport = _Recorder(body={"items": [], "next_cursor": None})
        await _recorded(transport, as_service=True).existing([uuid.uuid4()])
        assert transport.authorization == ["Bearer service-token"]


class TestErrorMapping:
    @pytest.mark.parametrize(
        ("status", "body", "error"),
        [
            (500, {}, UpstreamUnavailable),
            (403, {}, BadGateway),
            (200, {"id": "not-a-uuid"}, BadGateway),
            (200, {"id": str(uuid.uuid4()), "title": "No stage"}, BadGateway),
        ],
    )
    async def test_answers_become_problems(
        self, status: int, body: Any, error: type[Exception]
    ) -> None:
        with pytest.raises(error):
            await _recorded(_Recorder(status, body)).get_project(uuid.uuid4())

    async def test_an_answer_naming_other_projects_grants_nothing(self) -> None:
        asked, other = uuid.uuid4(), uuid.uuid4()
        transport = _Recorder(body={"project_ids": [str(other)]})
        assert await _recorded(transport).active_projects("carol", [asked]) == set()

    async def test_an_unreadable_team_answer_is_a_bad_gateway(self) -> None:
        with pytest.raises(BadGateway):
            await _recorded(_Recorder(body={"items": []})).active_projects("carol", [uuid.uuid4()])

    async def test_an_unreadable_list_is_a_bad_gateway(self) -> None:
        with pytest.raises(BadGateway):
            await _recorded(_Recorder(body={"items": "nope"})).existing([uuid.uuid4()])
