"""The project write rule and the projects lookup behind it."""

from __future__ import annotations

import uuid
from collections.abc import Collection

import httpx
import pytest

from shared.auth import Principal, Role
from shared.http import BadGateway, ServiceClient
from shared.problems import Forbidden
from shared.project_access import (
    EVALUATION_WORK,
    PROJECT_WORK,
    NotATeamMember,
    ProjectsLookup,
    ProjectWriteRule,
)

P, Q = uuid.uuid4(), uuid.uuid4()


class Teams:
    def __init__(self, **members: set[uuid.UUID]) -> None:
        self.members = members
        self.asked: list[set[uuid.UUID]] = []

    async def active_projects(
        self, subject: str, project_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        self.asked.append(set(project_ids))
        return self.members.get(subject, set()) & set(project_ids)


def who(*roles: str, sub: str = "tom") -> Principal:
    return Principal(subject=sub, roles=frozenset(roles))


async def test_admin_and_oversight_roles_write_anywhere_without_asking() -> None:
    teams = Teams()
    for principal in (who("admin"), who("governance")):
        await PROJECT_WORK.require(principal, [P, Q], teams)
    await EVALUATION_WORK.require(who("evaluator"), [P], teams)
    assert teams.asked == []


async def test_team_roles_need_every_project_in_one_question() -> None:
    teams = Teams(tom={P})
    await PROJECT_WORK.require(who("contributor"), [P], teams)
    await PROJECT_WORK.require(who("evaluator"), [P], teams)
    with pytest.raises(NotATeamMember, match=str(Q)):
        await PROJECT_WORK.require(who("contributor"), [P, Q], teams)
    assert teams.asked[-1] == {P, Q}
    await PROJECT_WORK.require_any(who("contributor"), [P, Q], teams)
    with pytest.raises(NotATeamMember):
        await PROJECT_WORK.require(who("contributor"), [], teams)


async def test_viewer_reporter_and_service_never_write() -> None:
    for role in ("viewer", "reporter", "service"):
        with pytest.raises(Forbidden) as raised:
            await PROJECT_WORK.require(who(role), [P], Teams(tom={P}))
        assert not isinstance(raised.value, NotATeamMember)
    with pytest.raises(ValueError, match="never write"):
        ProjectWriteRule(work="x", anywhere=frozenset({Role.viewer}), on_team=frozenset())


async def test_governance_is_not_an_evaluation_writer_by_the_rule() -> None:
    with pytest.raises(Forbidden):
        await EVALUATION_WORK.require(who("governance"), [P], Teams(tom={P}))


def lookup_with(items: object, seen: list[httpx.Request]) -> ProjectsLookup:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": items, "next_cursor": None})

    client = ServiceClient(
        "projects",
        "http://projects",
        transport=httpx.MockTransport(handler),
        token_provider=lambda: "svc",
    )
    return ProjectsLookup(client)


async def test_lookup_asks_once_as_the_service_and_trusts_only_what_was_asked() -> None:
    seen: list[httpx.Request] = []
    other = uuid.uuid4()
    lookup = lookup_with([{"id": str(P)}, {"id": str(other)}], seen)
    assert await lookup.active_projects("tom", [P, Q]) == {P}
    (request,) = seen
    assert request.headers["authorization"] == "Bearer svc"
    assert request.url.params.get_list("id") == sorted([str(P), str(Q)])
    assert request.url.params["team_member"] == "tom"
    assert await lookup.active_projects("tom", []) == set() and len(seen) == 1


async def test_lookup_refuses_an_unreadable_answer() -> None:
    with pytest.raises(BadGateway):
        await lookup_with("nope", []).existing([P])
    with pytest.raises(BadGateway):
        await lookup_with([{"name": "no id"}], []).existing([P])
