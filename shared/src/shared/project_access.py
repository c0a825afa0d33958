"""Who may write to a project-scoped resource: one rule, applied by every service.

`admin` writes anywhere. Each kind of work names the roles that oversee it and so write to any
project (`governance` for project and stakeholder work, `evaluator` for evaluations) and the
roles that write only to projects on whose team their token subject is an active member today
(`contributor`, and `evaluator` outside evaluations). `viewer`, `reporter` and `service` never
write. A write that touches several projects needs membership of each; one that touches no
project is left to the roles that write anywhere.

Whether someone is on a team is a `ProjectTeams` question: the projects service answers it from
its own repository, the other services through `ProjectsLookup` (one call per question).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from shared.auth import Principal, Role
from shared.http import BadGateway, ServiceClient
from shared.problems import Forbidden

# Never a writer, whatever a service configures.
NEVER_WRITE = frozenset({Role.viewer, Role.reporter, Role.service})
# The projects service's list takes at most this many ids (its page limit) per call.
MAX_IDS_PER_CALL = 200


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

    def require_role(self, principal: Principal) -> None:
        """403 for a caller whose roles allow no write of this kind at all."""
        if not self.writes_anywhere(principal) and not principal.has_any(*self.on_team):
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


class ProjectsLookup:
    """Reference and team questions asked of the projects service, as this service (the answer
    must not depend on what the caller may read), each set of ids in one call:
    `GET /v1/projects?id=...&team_member=<subject>`."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def existing(self, project_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of `project_ids` the projects service holds."""
        return await self._listed(project_ids, {})

    async def active_projects(
        self, subject: str, project_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        return await self._listed(project_ids, {"team_member": subject})

    async def _listed(
        self, project_ids: Collection[uuid.UUID], params: dict[str, Any]
    ) -> set[uuid.UUID]:
        wanted = sorted(set(project_ids))
        found: set[uuid.UUID] = set()
        for start in range(0, len(wanted), MAX_IDS_PER_CALL):
            chunk = wanted[start : start + MAX_IDS_PER_CALL]
            page = await self.client.fetch_json(
                "/v1/projects",
                params={**params, "id": [str(p) for p in chunk], "limit": MAX_IDS_PER_CALL},
                as_service=True,
            )
            items = page.get("items") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise BadGateway(f"The {self.client.name} service's project list is unreadable.")
            found |= {_project_id(item) for item in items}
        # Only what was asked counts: an answer naming other projects grants nothing.
        return found & set(wanted)


def _project_id(item: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(item["id"]))  # type: ignore[index]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadGateway("The projects service listed a project without a readable id.") from exc
