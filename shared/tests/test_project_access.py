"""The project write rule: who writes where, and who is offered moves."""

from __future__ import annotations

import ast
import uuid
from collections.abc import Collection
from pathlib import Path

import pytest

from shared import project_access
from shared.auth import Principal, Role
from shared.problems import Forbidden
from shared.project_access import (
    EVALUATION_WORK,
    PROJECT_WORK,
    NotATeamMember,
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


def test_moves_are_offered_by_role_never_on_an_archived_project() -> None:
    for principal in (who("admin"), who("governance"), who("contributor"), who("evaluator")):
        assert PROJECT_WORK.may_move(principal)
        assert not PROJECT_WORK.may_move(principal, archived=True)
    for role in ("viewer", "reporter", "service"):
        assert not PROJECT_WORK.may_move(who(role))
    assert EVALUATION_WORK.may_move(who("contributor"))
    assert not EVALUATION_WORK.may_move(who("governance"))


def test_the_rule_asks_no_service_itself() -> None:
    """Teams are asked through the caller's typed projects client, never from here."""
    tree = ast.parse(Path(project_access.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert not {name for name in imported if name.split(".")[:2] == ["shared", "http"]}
