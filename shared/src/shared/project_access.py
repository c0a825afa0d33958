"""Who may write to a project-scoped resource: one rule, applied by every service.

`admin` writes anywhere. Each kind of work names the roles that oversee it and so write to any
project (`governance` for project and stakeholder work, `evaluator` for evaluations) and the
roles that write only to projects on whose team their token subject is an active member today
(`contributor`, and `evaluator` outside evaluations). `viewer`, `reporter` and `service` never
write. A write that touches several projects needs membership of each; one that touches no
project is left to the roles that write anywhere.

Whether someone is on a team is a `ProjectTeams` question: the projects service answers it from
its own repository, the other services with their typed projects client
(`<service>/clients/projects.py`, one call per question, the caller's token). This module asks
nobody itself.

`may_move` is the same rule for what a read model offers (`allowed_transitions`): the caller's
roles, without the team question (a read asks no other service); the move itself is checked
with `require`.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from shared.auth import Principal, Role
from shared.problems import Forbidden

# Never a writer, whatever a service configures.
NEVER_WRITE = frozenset({Role.viewer, Role.reporter, Role.service})


class NotATeamMember(Forbidden):
    slug = "not-a-project-team-member"
    title = "Contributors write only to projects they are active team members of"


class ProjectTeams(Protocol):
    """The one question the rule asks about teams."""

    async def active_projects(
        self, subject: str, project_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of `project_ids` on whose team `subject` is an active member today."""
        ...


@dataclass(frozen=True)
class ProjectWriteRule:
    """Which roles write to any project and which only to their own teams' projects."""

    work: str  # what is written, for messages: "a project", "an evaluation"
    anywhere: frozenset[Role]
    on_team: frozenset[Role]

    def __post_init__(self) -> None:
        if (self.anywhere | self.on_team) & NEVER_WRITE:
            raise ValueError("viewer, reporter and service never write to a project")

    @property
    def roles(self) -> tuple[Role, ...]:
        """Every role that may write somewhere (admin besides), for `require_roles`."""
        return tuple(sorted(self.anywhere | self.on_team))

    def writes_anywhere(self, principal: Principal) -> bool:
        return principal.is_admin or principal.has_any(*self.anywhere)

    def may_move(self, principal: Principal, *, archived: bool = False) -> bool:
        """Whether a read model offers `principal` moves (`allowed_transitions`) on a record of
        this kind: never on an archived project, else when the caller's roles write somewhere.
        Team membership is left to the move itself (a team-only role off the team is offered
        the moves and gets 403 asking), so a read asks no other service."""
        if archived:
            return False
        return self.writes_anywhere(principal) or principal.has_any(*self.on_team)

    def require_role(self, principal: Principal) -> None:
        """403 for a caller whose roles allow no write of this kind at all."""
        if not self.may_move(principal):
            names = ", ".join(sorted({Role.admin, *self.anywhere, *self.on_team}))
            raise Forbidden(f"Writing to {self.work} needs one of the roles: {names}.")

    async def require(
        self,
        principal: Principal,
        project_ids: Iterable[uuid.UUID],
        teams: ProjectTeams,
        *,
        error: type[Forbidden] = NotATeamMember,
        labels: Mapping[uuid.UUID, str] | None = None,
    ) -> None:
        """Pass, or raise: `Forbidden` for a role that never writes, `error` for a caller who
        is not on the team of every project the write touches (or it touches none)."""
        wanted = self._team_question(principal, project_ids, error)
        if wanted is None:
            return
        missing = wanted - await teams.active_projects(principal.subject, wanted)
        if missing:
            names = ", ".join(sorted((labels or {}).get(p, str(p)) for p in missing))
            raise error(f"{principal.subject} is not an active team member of {names}.")

    async def require_any(
        self,
        principal: Principal,
        project_ids: Iterable[uuid.UUID],
        teams: ProjectTeams,
        *,
        error: type[Forbidden] = NotATeamMember,
    ) -> None:
        """As `require`, for a record shared by several projects (a stakeholder linked to
        them): the team of one of them is enough."""
        wanted = self._team_question(principal, project_ids, error)
        if wanted is not None and not await teams.active_projects(principal.subject, wanted):
            raise error(
                f"{principal.subject} is not an active team member of any project this is "
                "linked to."
            )

    def _team_question(
        self, principal: Principal, project_ids: Iterable[uuid.UUID], error: type[Forbidden]
    ) -> set[uuid.UUID] | None:
        """The projects whose teams decide (None: the caller's role decides alone)."""
        self.require_role(principal)
        if self.writes_anywhere(principal):
            return None
        wanted = set(project_ids)
        if not wanted:
            names = " or ".join(sorted({Role.admin, *self.anywhere}))
            raise error(f"This touches no project's team: only {names} may write it.")
        return wanted


# Projects and everything recorded about their stakeholders: governance oversees the portfolio.
PROJECT_WORK = ProjectWriteRule(
    work="a project",
    anywhere=frozenset({Role.governance}),
    on_team=frozenset({Role.contributor, Role.evaluator}),
)
# Developmental evaluation: evaluators write to any evaluation, contributors to their teams'.
EVALUATION_WORK = ProjectWriteRule(
    work="an evaluation",
    anywhere=frozenset({Role.evaluator}),
    on_team=frozenset({Role.contributor}),
)
