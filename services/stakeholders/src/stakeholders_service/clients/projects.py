"""The projects service as this service calls it: one typed client, and the checks built on it.

Only the projects service's published REST API is used (never its code): `GET /v1/projects`,
filtered with `?id=...` (at most `MAX_IDS_PER_CALL` ids), answered as `{items, next_cursor}` and
read into `ProjectPage`/`ProjectRef` (the fields this service uses); the team question
`GET /v1/projects/team-ids?team_member=<subject>[&id=...]`, ids only (a release of the projects
service without it is asked `GET /v1/projects?team_member=` instead);
and `POST /v1/aggregates/project-scope` (`project_scope`), an export's `directorate` / `stage`
filters as project ids at the export's `as_of`, in one call (at most 20,000 ids; beyond, its 422
`project-scope-too-large` is relayed on the export's query filters).

Token rule: a call made on behalf of a request forwards the caller's token (`shared.http` takes it
from the request context). This service's own identity (`as_service=True`) is for background
work only (consumers, jobs), and no background work of this service asks the projects service.
The projects service lets every staff role list every project, so the answer does not depend on
who asks.

Error mapping (`ServiceClient.fetch_json`): the projects service unreachable or answering 5xx is
a 503 `upstream-unavailable` (with `Retry-After`), too slow a 504 `upstream-timeout`, any other
non-200 or a body not of the published shape a 502 `bad-gateway`. A project a request names that
does not exist is the caller's mistake: 422 `unknown-project` on the field that named it.

Team membership means active today, as the projects service's `team_member` filter decides
(start date, if any, not after today; end date, if any, not before today): a membership that has
ended or not yet started grants nothing, and a project the answer names that was not asked about
grants nothing either.

Calls: one per request for every team question about a subject. The client is made once per
request (`ProjectsDep`) and remembers what it was told, so later questions in the same request
are answered from memory; a question about more than `MAX_IDS_PER_CALL` projects asks instead for
every project the subject is active on (one answer of ids, however many teams), so a page of 200
stakeholders linked to any number of projects still costs one call.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable, Sequence
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.auth import Principal
from shared.http import BadGateway, ServiceClient, UpstreamTimeout, UpstreamUnavailable
from shared.problems import FieldError, InvalidInput, problem_type
from shared.project_access import PROJECT_WORK, ProjectTeams

__all__ = [
    "MAX_IDS_PER_CALL",
    "BadGateway",
    "ProjectPage",
    "ProjectQuestions",
    "ProjectRef",
    "ProjectScopeTooLarge",
    "ProjectsClient",
    "ProjectsDep",
    "RelationshipOwnerNotOnTeam",
    "UnknownProject",
    "UpstreamTimeout",
    "UpstreamUnavailable",
    "get_projects_client",
    "require_new_project_write",
    "require_owner_on_team",
    "require_project_write",
    "require_projects",
]

# The projects service's list takes at most this many `id` values per call (its page limit).
MAX_IDS_PER_CALL = 200
# Walking every project of one subject stops here (200 x 50 = 10,000 teams): an answer that
# keeps going is not a list this service can trust.
MAX_PAGES = 50


class ProjectRef(BaseModel):
    """A project as this service needs it: that it exists (the published `ProjectRead` has more,
    which is ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID


class ProjectPage(BaseModel):
    """One page of `GET /v1/projects`."""

    model_config = ConfigDict(extra="ignore")

    items: list[ProjectRef]
    next_cursor: str | None = None


class ProjectScope(BaseModel):
    """`POST /v1/aggregates/project-scope`'s answer."""

    model_config = ConfigDict(extra="ignore")

    project_ids: list[uuid.UUID]
    as_of: dt.datetime


class TeamProjectIds(BaseModel):
    """`GET /v1/projects/team-ids`'s answer."""

    model_config = ConfigDict(extra="ignore")

    project_ids: list[uuid.UUID]


class ProjectScopeTooLarge(InvalidInput):
    slug = "project-scope-too-large"
    title = "The filters select too many projects"


class UnknownProject(InvalidInput):
    slug = "unknown-project"
    title = "The project does not exist"


class RelationshipOwnerNotOnTeam(InvalidInput):
    slug = "relationship-owner-not-on-team"
    title = "The relationship owner must be an active member of the project's team"


class ProjectQuestions(ProjectTeams, Protocol):
    """What this service asks the projects service: team membership (of some projects, or all
    of a subject's), and which projects exist. `ProjectsClient` answers; tests may fake it."""

    async def existing(self, project_ids: Collection[uuid.UUID]) -> set[uuid.UUID]: ...

    async def team_projects(self, subject: str) -> set[uuid.UUID]: ...


class ProjectsClient:
    """The projects service for one request (`shared.project_access.ProjectTeams` too)."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        # subject -> {project id: active member?}, as answered during this request.
        self._membership: dict[str, dict[uuid.UUID, bool]] = {}
        # Subjects for whom every project they are active on is known (absent means not).
        self._complete: set[str] = set()
        self._existing: dict[uuid.UUID, bool] = {}

    async def list_projects(
        self, *, ids: Sequence[uuid.UUID] | None = None, team_member: str | None = None
    ) -> list[ProjectRef]:
        """`GET /v1/projects` with these filters, every page (ids: at most MAX_IDS_PER_CALL)."""
        if ids is not None and len(ids) > MAX_IDS_PER_CALL:
            raise ValueError(f"at most {MAX_IDS_PER_CALL} ids per call")
        params: dict[str, Any] = {"limit": MAX_IDS_PER_CALL}
        if ids is not None:
            params["id"] = [str(p) for p in ids]
        if team_member is not None:
            params["team_member"] = team_member
        return await self._every_page(params)

    async def _every_page(self, params: dict[str, Any]) -> list[ProjectRef]:
        found: list[ProjectRef] = []
        for _ in range(MAX_PAGES):
            page = await self._page(params)
            found += page.items
            if page.next_cursor is None:
                return found
            params["cursor"] = page.next_cursor
        raise BadGateway(f"The {self.client.name} service's project list did not end.")

    async def project_scope(
        self,
        *,
        directorates: Sequence[str],
        stages: Sequence[str],
        as_of: dt.datetime | None = None,
    ) -> set[uuid.UUID]:
        """The projects in any of `directorates` (if given) and any of `stages` (if given), as
        they stood at `as_of` (None: now): an export's filters, resolved in ONE call before it
        streams, by the projects service's own export filter code."""
        body: dict[str, Any] = {"directorate": list(directorates), "stage": list(stages)}
        if as_of is not None:
            body["as_of"] = as_of.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        response = await self.client.request("POST", "/v1/aggregates/project-scope", json=body)
        if response.status_code == 422 and _problem_type(response) == problem_type(
            ProjectScopeTooLarge.slug
        ):
            raise ProjectScopeTooLarge(
                str(response.json().get("detail") or "Too many projects match.")
                + " Narrow the filter or name the projects with project_id.",
                errors=[
                    FieldError(
                        pointer=f"/{name}", location="query", detail="Matches too many projects."
                    )
                    for name in ("directorate", "stage")
                    if body[name]
                ],
            )
        if response.status_code >= 500:
            raise UpstreamUnavailable(
                f"The {self.client.name} service answered {response.status_code}."
            )
        if response.status_code != 200:
            raise BadGateway(f"The {self.client.name} service answered {response.status_code}.")
        try:
            return set(ProjectScope.model_validate_json(response.content).project_ids)
        except ValidationError as exc:
            raise BadGateway(
                f"The {self.client.name} service's project scope is unreadable."
            ) from exc

    async def existing(self, project_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of `project_ids` the projects service holds."""
        unknown = sorted(set(project_ids) - self._existing.keys())
        for start in range(0, len(unknown), MAX_IDS_PER_CALL):
            chunk = unknown[start : start + MAX_IDS_PER_CALL]
            found = {p.id for p in await self.list_projects(ids=chunk)}
            self._existing.update({p: p in found for p in chunk})
        return {p for p in project_ids if self._existing[p]}

    async def active_projects(
        self, subject: str, project_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of `project_ids` on whose team `subject` is an active member today."""
        wanted = set(project_ids)
        known = self._membership.setdefault(subject, {})
        unknown = sorted(wanted - known.keys())
        if unknown and subject not in self._complete:
            if len(unknown) <= MAX_IDS_PER_CALL:
                found = await self._team_ids(subject, unknown)
                known.update({p: p in found for p in unknown})
            else:
                await self.team_projects(subject)
        return {p for p in wanted if known.get(p, False)}

    async def team_projects(self, subject: str) -> set[uuid.UUID]:
        """Every project on whose team `subject` is an active member today."""
        known = self._membership.setdefault(subject, {})
        if subject not in self._complete:
            found = await self._team_ids(subject, None)
            known.update({p: p in found for p in known})
            known.update(dict.fromkeys(found, True))
            self._complete.add(subject)
        return {p for p, active in known.items() if active}

    async def _team_ids(self, subject: str, ids: Sequence[uuid.UUID] | None) -> set[uuid.UUID]:
        """Of `ids` (or of all), the projects `subject` is active on: `GET /v1/projects/team-ids`,
        ids only. A projects release from before that question answers it 404 (its
        `/v1/projects/{id}` refuses the segment), and is asked with the list instead, as
        before: during a rolling upgrade this service may run ahead of the projects service."""
        params: dict[str, Any] = {"team_member": subject}
        if ids is not None:
            params["id"] = [str(p) for p in ids]
        body = await self.client.fetch_json("/v1/projects/team-ids", params=params)
        if body is None:
            return {p.id for p in await self.list_projects(ids=ids, team_member=subject)}
        try:
            return set(TeamProjectIds.model_validate(body).project_ids)
        except ValidationError as exc:
            raise BadGateway(
                f"The {self.client.name} service's team answer is unreadable."
            ) from exc

    async def _page(self, params: dict[str, Any]) -> ProjectPage:
        body = await self.client.fetch_json("/v1/projects", params=params)
        if body is None:
            raise BadGateway(f"The {self.client.name} service has no project list.")
        try:
            return ProjectPage.model_validate(body)
        except ValidationError as exc:
            raise BadGateway(
                f"The {self.client.name} service's project list is unreadable."
            ) from exc


def _problem_type(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("type")) if isinstance(body, dict) else None


def get_projects_client(request: Request) -> ProjectsClient:
    """One client per request (FastAPI caches a dependency within a request)."""
    return ProjectsClient(request.app.state.clients["projects"])


async def _projects_client_dependency(request: Request) -> ProjectsClient:
    """`get_projects_client` for routes: `async`, as every dependency (FastAPI runs a plain
    `def` one on its thread pool)."""
    return get_projects_client(request)


ProjectsDep = Annotated[ProjectsClient, Depends(_projects_client_dependency)]


async def require_projects(
    projects: ProjectQuestions, project_ids: Iterable[uuid.UUID], *, pointer: str = "/project_id"
) -> None:
    """422 naming the field when a referenced project does not exist; 503 when unreachable."""
    wanted = list(dict.fromkeys(project_ids))
    existing = await projects.existing(wanted)
    for index, project_id in enumerate(wanted):
        if project_id not in existing:
            where = pointer if pointer.endswith("_id") else f"{pointer}/{index}"
            raise UnknownProject(
                f"No project with id {project_id}.",
                errors=[FieldError(pointer=where, location="body", detail="No such project.")],
            )


async def require_new_project_write(
    principal: Principal,
    projects: ProjectQuestions,
    project_ids: Sequence[uuid.UUID],
    *,
    pointer: str = "/project_id",
) -> None:
    """A write naming projects: the caller may write to each (403), and each exists (422).

    For a caller limited to their teams, being listed on each team proves the projects exist
    (one call); a caller who writes anywhere has them checked for existence instead."""
    PROJECT_WORK.require_role(principal)
    if PROJECT_WORK.writes_anywhere(principal):
        await require_projects(projects, project_ids, pointer=pointer)
    else:
        await PROJECT_WORK.require(principal, project_ids, projects)


async def require_project_write(
    principal: Principal, projects: ProjectQuestions, project_ids: Iterable[uuid.UUID]
) -> None:
    """A write to a record of existing projects: the caller may write to each of them (403)."""
    await PROJECT_WORK.require(principal, project_ids, projects)


async def require_owner_on_team(
    projects: ProjectQuestions, *, owner: str, project_id: uuid.UUID
) -> None:
    """422 at `/relationship_owner` unless `owner` is an active member of the project's team."""
    if project_id not in await projects.active_projects(owner, [project_id]):
        raise RelationshipOwnerNotOnTeam(
            "Name an active member of the project's team (an admin may name anyone).",
            errors=[
                FieldError(
                    pointer="/relationship_owner",
                    location="body",
                    detail="Not an active member of this project's team.",
                )
            ],
        )
