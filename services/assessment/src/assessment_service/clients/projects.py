"""The projects service as this service sees it: the one typed client for it (issue #10 item 1).

Every call to the projects service goes through `ProjectsClient`, built on
`shared.http.ServiceClient.fetch_json` and answering pydantic models, never raw JSON:

- `get_project(id)`: `GET /v1/projects/{id}` as a `ProjectSnapshot` (what an assessment pins).
- `project_exists(id)`: the same call, reading only the id (a reference check).
- `existing(ids)`: `GET /v1/projects?id=...`; `active_projects(subject, ids)`:
  `GET /v1/projects/team-ids?team_member=&id=...` (ids only); each set of ids in as few calls
  as the page limit allows; `active_projects` is the
  `shared.project_access.ProjectTeams` question, so a `ProjectsClient` is what
  `ProjectWriteRule.require(...)` is given.
- `project_scope(directorate=, stage=, as_of=)`: `POST /v1/aggregates/project-scope`, the ids
  of the projects an export's `directorate` / `stage` filters select, as the projects stood at
  the export's `as_of` (one call per export; at most 20,000 ids, else a 422
  `project-scope-too-large` on the filters, relayed as this service's own).

Token rule (decided once, for every client): a call made on behalf of a request forwards the
caller's token (shared.http does it from the request context); only background work (consumers,
scheduled jobs) acts as this service, by building the client with `as_service=True`. Every
principal may read projects, so the caller's token gets the same answer the service's would.

Error mapping (`fetch_json`): a 404 is "no such project" (None / False / left out of the set,
for the caller to turn into its own 422 or 404); an upstream 5xx, a refused connection or a
connect timeout is 503 `upstream-unavailable` (retry later); a read timeout is 504
`upstream-timeout`; any other status, an unreadable body or one that does not match the
published `ProjectRead` / `Page_ProjectRead_` shape is 502 `bad-gateway`.

Team membership: only a membership active today grants anything. The projects service's
`team_member` filter keeps projects whose team has the subject with `start_date <= today <=
end_date` (`projects_service.team.repository.active_on`), so an ended or not-yet-started
membership lists nothing; and only the ids asked about count, so an answer naming other
projects grants nothing either. This is the one rule: nothing here reads `/team` to decide
write rights.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.http import BadGateway, ServiceClient, UpstreamTimeout, UpstreamUnavailable
from shared.problems import FieldError, InvalidInput, problem_type

# The problems a route calling this client may answer, for its OpenAPI `responses` (routes never
# import shared.http themselves).
UPSTREAM_PROBLEMS = (UpstreamUnavailable, UpstreamTimeout, BadGateway)
# The projects service's list takes at most this many ids (its page limit) per call.
MAX_IDS_PER_CALL = 200

ModelT = TypeVar("ModelT", bound=BaseModel)


class ProjectRef(BaseModel):
    """A project as a reference: its id, nothing else read."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID


class ProjectSnapshot(ProjectRef):
    """The fields of a project an assessment pins in its context snapshot."""

    reference: str | None = None
    title: str
    stage: str
    status: str = "active"
    is_digital: bool
    innovation_type: str | None = None


class TeamProjectIds(BaseModel):
    """`GET /v1/projects/team-ids`: the projects asked about that the subject is active on."""

    model_config = ConfigDict(extra="ignore")

    project_ids: list[uuid.UUID]


class ProjectRefPage(BaseModel):
    """A page of `GET /v1/projects`, read for its ids."""

    model_config = ConfigDict(extra="ignore")

    items: list[ProjectRef]
    next_cursor: str | None = None


class ProjectScope(BaseModel):
    """`POST /v1/aggregates/project-scope`'s answer."""

    model_config = ConfigDict(extra="ignore")

    project_ids: list[uuid.UUID]
    as_of: dt.datetime


class ProjectScopeTooLarge(InvalidInput):
    slug = "project-scope-too-large"
    title = "The filters select too many projects"


def _chunks(ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    """`ids` in calls of at most MAX_IDS_PER_CALL."""
    return [ids[start : start + MAX_IDS_PER_CALL] for start in range(0, len(ids), MAX_IDS_PER_CALL)]


class ProjectsClient:
    """The projects service, typed. `as_service=True` only for background work (see above)."""

    def __init__(self, client: ServiceClient, *, as_service: bool = False) -> None:
        self.client = client
        self.as_service = as_service

    async def _fetch(
        self, model: type[ModelT], url: str, params: dict[str, Any] | None = None
    ) -> ModelT | None:
        body = await self.client.fetch_json(url, params=params, as_service=self.as_service)
        if body is None:
            return None
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            raise BadGateway(
                f"The {self.client.name} service answered with an unexpected body."
            ) from exc

    async def get_project(self, project_id: uuid.UUID) -> ProjectSnapshot | None:
        """The project, or None if the projects service does not know it."""
        return await self._fetch(ProjectSnapshot, f"/v1/projects/{project_id}")

    async def project_exists(self, project_id: uuid.UUID) -> bool:
        """Whether the projects service holds this project (reads only its id)."""
        return await self._fetch(ProjectRef, f"/v1/projects/{project_id}") is not None

    async def existing(self, project_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of `project_ids` the projects service holds."""
        return await self._listed(project_ids, {})

    async def active_projects(
        self, subject: str, project_ids: Collection[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of `project_ids` on whose team `subject` is an active member today:
        `GET /v1/projects/team-ids`, ids only. A projects release from before that question
        answers it 404 (its `/v1/projects/{id}` refuses the segment) and is asked with the
        list's `team_member` filter instead: during a rolling upgrade this service may run
        ahead of the projects service."""
        wanted = sorted(set(project_ids))
        found: set[uuid.UUID] = set()
        for chunk in _chunks(wanted):
            answer = await self._fetch(
                TeamProjectIds,
                "/v1/projects/team-ids",
                {"team_member": subject, "id": [str(p) for p in chunk]},
            )
            if answer is None:
                found |= await self._listed(chunk, {"team_member": subject})
            else:
                found |= set(answer.project_ids)
        # Only what was asked counts: an answer naming other projects grants nothing.
        return found & set(wanted)

    async def project_scope(
        self,
        *,
        directorate: Sequence[str] = (),
        stage: Sequence[str] = (),
        as_of: dt.datetime | None = None,
    ) -> set[uuid.UUID]:
        """The ids of the projects in any of `directorate` and any of `stage` (each ignored
        when empty), as they stood at `as_of` (None: now), in ONE call: an export's scope.
        The projects service's 422 for more than it answers is relayed on the query filters
        asked (the export's), anything else unexpected is a 502."""
        body: dict[str, Any] = {"directorate": list(directorate), "stage": list(stage)}
        if as_of is not None:
            body["as_of"] = as_of.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        response = await self.client.request(
            "POST", "/v1/aggregates/project-scope", json=body, as_service=self.as_service
        )
        if response.status_code == 422 and _problem_type(response) == problem_type(
            ProjectScopeTooLarge.slug
        ):
            asked = [name for name in ("directorate", "stage") if body[name]]
            raise ProjectScopeTooLarge(
                str(response.json().get("detail") or "Too many projects match.")
                + " Narrow the filter or name the projects with project_id.",
                errors=[
                    FieldError(
                        pointer=f"/{name}", location="query", detail="Matches too many projects."
                    )
                    for name in asked
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
                f"The {self.client.name} service answered with an unexpected body."
            ) from exc

    async def _listed(
        self, project_ids: Collection[uuid.UUID], params: dict[str, Any]
    ) -> set[uuid.UUID]:
        wanted = sorted(set(project_ids))
        found: set[uuid.UUID] = set()
        for chunk in _chunks(wanted):
            page = await self._fetch(
                ProjectRefPage,
                "/v1/projects",
                {**params, "id": [str(p) for p in chunk], "limit": MAX_IDS_PER_CALL},
            )
            if page is None:  # the collection itself is never a 404
                raise BadGateway(f"The {self.client.name} service has no project list.")
            found |= {item.id for item in page.items}
        # Only what was asked counts: an answer naming other projects grants nothing.
        return found & set(wanted)


def _problem_type(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("type")) if isinstance(body, dict) else None


async def projects_client(request: Request) -> ProjectsClient:
    """The client for a request: the caller's token is forwarded."""
    return ProjectsClient(request.app.state.clients["projects"])


ProjectsClientDep = Annotated[ProjectsClient, Depends(projects_client)]
