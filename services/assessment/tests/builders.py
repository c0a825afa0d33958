"""The assessment suite's shared builders: `ProjectsFake`, the kit's `FakeProjects` as this
suite's `projects` fixture. Records are built per sub-suite (`kit.DE` for evaluation, `flow` for
governance), always through the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.testing import Call, FakeProjects


class ProjectsFake(FakeProjects):
    """`FakeProjects`, its `calls` written the way this suite's tests compare them:
    `project:<id>` for a project read, `team:<id>:<subject>:True` for each project a team
    question asks about (`GET /v1/projects?id=...&team_member=`, or a project's `/team`)."""

    def entries(self, call: Call) -> Iterable[Any]:
        parts = call.path.strip("/").split("/")  # v1, projects[, id[, team]]
        if parts[1:] == ["projects"] and call.param("team_member") is not None:
            member = call.param("team_member")
            return [f"team:{project_id}:{member}:True" for project_id in call.params("id")]
        if len(parts) == 3 and parts[1] == "projects":
            return [f"project:{parts[2]}"]
        if len(parts) == 4 and parts[3] == "team":
            return [f"team:{parts[2]}:{call.param('subject')}:{call.param('active') == 'true'}"]
        return [str(call)]
