"""One fake per upstream service, each checked against that service's OpenAPI snapshot
(`shared.testing.fakes.FakeService`): what a suite gives its service instead of the real one.

- `FakeProjects`: `GET /v1/projects/{id}`, `GET /v1/projects/{id}/team`,
  `GET /v1/projects?id=...&team_member=` and `GET /v1/projects/team-ids?team_member=&id=...`
  over projects and active team members a test adds, and
  `POST /v1/aggregates/project-scope` (an export's project filters; the bodies it was sent are
  kept in `scope_requests`).
- `FakeStakeholders`: `GET /v1/stakeholders/{id}` (the restricted view, or the personal one when
  personal fields are given) and `erase(...)`, which also publishes `stakeholder.erased`;
  `POST /v1/aggregates/project-engagement` (zeros, or what `set_engagement(...)` gave).
- `FakeAssessment`: the assessment change feed, with `record_decision(...)` and
  `implement_adaptation(...)` publishing the events the real service publishes.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from shared.db import utcnow
from shared.testing.bodies import project_body
from shared.testing.contract import ContractViolation
from shared.testing.fakes import Answer, Call, FakeService, problem, timestamp

_PAGE_LIMIT = 200  # the projects service's largest page


def _unsupported(fake: FakeService, call: Call, supported: set[str]) -> None:
    """A filter the fake would silently ignore is an error, not a wrong answer."""
    extra = sorted(set(call.query) - supported)
    if extra:
        raise ContractViolation(f"{type(fake).__name__} does not implement {extra} on {call}")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


class FakeProjects(FakeService):
    """The projects service: projects and the subjects active on their teams today."""

    service = "projects"

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[uuid.UUID, dict[str, Any]] = {}
        self.teams: dict[uuid.UUID, set[str]] = {}  # subjects active on each team today
        self._references = itertools.count(1)
        self.route("GET", "/v1/projects", self._list)
        self.route("GET", "/v1/projects/team-ids", self._team_ids)
        self.route("GET", "/v1/projects/{project_id}", self._get)
        self.route("GET", "/v1/projects/{project_id}/team", self._team)
        self.route("POST", "/v1/aggregates/project-scope", self._scope)
        # The bodies `POST /v1/aggregates/project-scope` was sent, in order.
        self.scope_requests: list[dict[str, Any]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # A `Call` holds no body; the scope question's is kept here before it is answered.
        if request.method == "POST" and request.url.path == "/v1/aggregates/project-scope":
            self.scope_requests.append(json.loads(request.content or b"{}"))
        return await super().handle_async_request(request)

    @property
    def team(self) -> dict[uuid.UUID, set[str]]:
        return self.teams

    def reset(self) -> None:
        super().reset()
        self.records.clear()
        self.teams.clear()
        self.scope_requests.clear()

    def add_project(self, *members: str, **fields: Any) -> uuid.UUID:
        """A project (as `POST /v1/projects` with `shared.testing.project_body()` makes it, any
        `ProjectRead` field overridden) with `members` active on its team; returns its id."""
        project_id = uuid.UUID(str(fields.pop("id", uuid.uuid4())))
        now = timestamp()
        body = project_body()
        self.records[project_id] = {
            **body,
            "id": str(project_id),
            "reference": f"CMDI-2026-{next(self._references):03d}",
            "stage": "idea",
            "paused_from": None,
            "stage_changed_at": now,
            "status": "active",
            "archive_reason": None,
            "is_digital": False,
            "funding_source": None,
            "budget_gbp": None,
            "core20plus5_tags": [],
            "net_zero_relevant": False,
            "tags": [],
            "start_date": None,
            "planned_end_date": None,
            "created_by": "gov-1",
            "created_at": now,
            "updated_at": now,
            "version": 1,
            # What the service's caller could move it to; the fake's callers never move stages.
            "allowed_transitions": [],
            **fields,
        }
        self.teams[project_id] = set(members)
        return project_id

    def _record(self, raw_id: str) -> dict[str, Any] | None:
        project_id = _uuid(raw_id)
        return self.records.get(project_id) if project_id else None

    def _get(self, call: Call, path: Mapping[str, str]) -> Answer:
        record = self._record(path["project_id"])
        if record is None:
            return problem(404, "project-not-found", "No such project.")
        return 200, record

    def _team(self, call: Call, path: Mapping[str, str]) -> Answer:
        _unsupported(self, call, {"subject", "active", "role", "limit"})
        record = self._record(path["project_id"])
        if record is None:
            return problem(404, "project-not-found", "No such project.")
        project_id = uuid.UUID(record["id"])
        active = call.param("active") != "false"  # only active members are held
        subjects = sorted(self.teams.get(project_id, set())) if active else []
        if (subject := call.param("subject")) is not None:
            subjects = [s for s in subjects if s == subject]
        role = call.param("role")
        if role not in (None, "member"):
            subjects = []
        limit = int(call.param("limit") or 50)
        items = [self._membership(project_id, s) for s in subjects[:limit]]
        return 200, {"items": items, "next_cursor": None}

    def _membership(self, project_id: uuid.UUID, subject: str) -> dict[str, Any]:
        created = self.records[project_id]["created_at"]
        return {
            "id": str(uuid.uuid5(project_id, subject)),
            "project_id": str(project_id),
            "subject": subject,
            "display_name": subject.title(),
            "affiliation": "trust",
            "role": "member",
            "fte": None,
            "start_date": utcnow().date().isoformat(),
            "end_date": None,
            "created_at": created,
            "updated_at": created,
            "version": 1,
        }

    def _selected(self, call: Call) -> list[uuid.UUID]:
        """The projects a call's `id` and `team_member` filters select (both lists take them)."""
        wanted = {_uuid(raw) for raw in call.params("id")} if "id" in call.query else None
        member = call.param("team_member")
        return [
            project_id
            for project_id in self.records
            if (wanted is None or project_id in wanted)
            and (member is None or member in self.teams.get(project_id, set()))
        ]

    def _list(self, call: Call, _: Mapping[str, str]) -> Answer:
        _unsupported(self, call, {"id", "team_member", "limit"})
        found = [self.records[project_id] for project_id in self._selected(call)]
        limit = int(call.param("limit") or 50)
        if len(found) > min(limit, _PAGE_LIMIT):
            raise ContractViolation(f"FakeProjects does not page ({len(found)} > {limit}): {call}")
        return 200, {"items": found, "next_cursor": None}

    def _team_ids(self, call: Call, _: Mapping[str, str]) -> Answer:
        _unsupported(self, call, {"id", "team_member"})
        member = call.param("team_member")
        found = sorted(self._selected(call))
        return 200, {
            "team_member": member,
            "day": utcnow().date().isoformat(),
            "project_ids": [str(p) for p in found],
        }

    def _scope(self, call: Call, _: Mapping[str, str]) -> Answer:
        """The projects matching the last scope body's lists, as they are now: the fake keeps
        no history, so `as_of` is echoed but not applied (tests read `scope_requests`)."""
        body = self.scope_requests[-1] if self.scope_requests else {}
        unknown = sorted(set(body) - {"directorate", "stage", "pillar", "status", "as_of"})
        if unknown:
            raise ContractViolation(f"FakeProjects: unknown scope fields {unknown}")
        found = sorted(
            project_id
            for project_id, record in self.records.items()
            if all(
                record.get(name) in body[name]
                for name in ("directorate", "stage", "pillar", "status")
                if body.get(name)
            )
        )
        return 200, {
            "project_ids": [str(project_id) for project_id in found],
            "as_of": body.get("as_of") or timestamp(),
        }


_PERSONAL = frozenset(
    {
        "display_name",
        "external_ref",
        "under_served_group_codes",
        "contactable",
        "contact",
        "erased_at",
        "created_by",
    }
)


class FakeStakeholders(FakeService):
    """The stakeholders service: stakeholders by id, and their erasure."""

    service = "stakeholders"

    def __init__(self) -> None:
        super().__init__()
        self.stakeholders: dict[str, dict[str, Any]] = {}
        self.route("GET", "/v1/stakeholders/{stakeholder_id}", self._get)
        # Each project's engagement picture (`set_engagement`); the bodies asked, in order.
        self.engagement: dict[str, dict[str, Any]] = {}
        self.engagement_requests: list[dict[str, Any]] = []
        self.route("POST", "/v1/aggregates/project-engagement", self._project_engagement)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        # A `Call` holds no body; the engagement question's is kept here before it is answered.
        if request.method == "POST" and request.url.path == "/v1/aggregates/project-engagement":
            self.engagement_requests.append(json.loads(request.content or b"{}"))
        return await super().handle_async_request(request)

    def reset(self) -> None:
        super().reset()
        self.stakeholders.clear()
        self.engagement.clear()
        self.engagement_requests.clear()

    def set_engagement(
        self,
        project_id: str | uuid.UUID,
        *,
        highest_level: str | None = None,
        assessed: int | None = 0,
        **sections: Any,
    ) -> None:
        """The project's `project-engagement` answer: zeros, with its public contributors'
        highest IAP2 level and count, and any section (`feedback={...}`) replaced."""
        self.engagement[str(project_id)] = {
            "public_contributors": {"assessed": assessed, "highest_level": highest_level},
            **sections,
        }

    def _project_engagement(self, call: Call, _: Mapping[str, str]) -> Answer:
        """A project never set answers zeros, as the real service does."""
        body = self.engagement_requests[-1] if self.engagement_requests else {}
        project_id = str(body.get("project_id"))
        now = timestamp()
        levels = ("inform", "consult", "involve", "collaborate", "empower")
        zero_distribution = {"name": "role", "total": 0, "cells": []}
        answer: dict[str, Any] = {
            "project_id": project_id,
            "as_of": now,
            "period": {"from": body.get("from"), "to": now},
            "stakeholders": {
                "threshold": 3,
                "assessed": 0,
                "mendelow": [],
                "salience": [],
                "iap2": [{"level": level, "current": 0, "target": 0} for level in levels],
                "below_target": 0,
                "engagement_gap": [],
                "relationships": {
                    name: {"name": name, "total": 0, "cells": []}
                    for name in (
                        "relationship_quality",
                        "trust",
                        "relationship_quality_trend",
                        "trust_trend",
                    )
                },
            },
            "engagements": {
                "total": 0,
                "completed": 0,
                "by_iap2_level": dict.fromkeys(levels, 0),
                "by_type": [],
                "attended_participants": 0,
                "anonymous_attendees": 0,
            },
            "feedback": {
                "items": 0,
                "responded": 0,
                "closed": 0,
                "closure_rate": None,
                "median_days_to_response": None,
            },
            "involvement": {
                "contributors": 0,
                "by_role": zero_distribution,
                "by_stage": zero_distribution | {"name": "stage"},
            },
            "public_contributors": {"assessed": 0, "highest_level": None},
            "standards": {"period": None, "recorded_at": None, "ratings": []},
            "suppressed": [],
            "definitions": {},
        }
        return 200, answer | self.engagement.get(project_id, {})

    def add_stakeholder(self, **fields: Any) -> str:
        """A stakeholder; read in the restricted view unless a personal field is given (then
        the personal view, with the other personal fields empty). Returns its id."""
        stakeholder_id = str(fields.pop("id", uuid.uuid4()))
        now = timestamp()
        record: dict[str, Any] = {
            "id": stakeholder_id,
            "kind": "group",
            "category": "community_group",
            "organisation_id": None,
            "is_public_contributor": False,
            "status": "active",
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "view": "restricted",
        }
        if _PERSONAL & fields.keys():
            record |= {
                "view": "personal",
                "display_name": None,
                "external_ref": None,
                "under_served_group_codes": [],
                "contactable": False,
                "contact": None,
                "erased_at": None,
                "created_by": "gov-1",
            }
        self.stakeholders[stakeholder_id] = {**record, **fields}
        return stakeholder_id

    def erase(self, stakeholder_id: str) -> str:
        """Erase as the real service does: status `erased`, and `stakeholder.erased` on the
        feed. Returns the event id."""
        erased_at = timestamp()
        record = self.stakeholders[stakeholder_id]
        record["status"] = "erased"
        if record["view"] == "personal":
            record |= {"display_name": None, "contact": None, "erased_at": erased_at}
        return self.publish(
            "stakeholder.erased",
            {"stakeholder_id": stakeholder_id, "erased_at": erased_at},
            entity_type="stakeholder",
        )

    def _get(self, call: Call, path: Mapping[str, str]) -> Answer:
        record = self.stakeholders.get(path["stakeholder_id"])
        if record is None:
            return problem(404, "stakeholder-not-found", "No such stakeholder.")
        return 200, record


class FakeAssessment(FakeService):
    """The assessment service as its consumers see it: a change feed of decisions and
    implemented adaptations, in the shape `assessment_service` publishes them."""

    service = "assessment"

    def record_decision(
        self,
        project_id: str | uuid.UUID,
        gate: str,
        outcome: str,
        *,
        decision_id: str | None = None,
        supersedes_id: str | None = None,
        **extra: Any,
    ) -> str:
        """Publish `decision.recorded`; returns the decision id."""
        decision_id = decision_id or str(uuid.uuid4())
        data = {
            "decision_id": decision_id,
            "assessment_id": str(uuid.uuid4()),
            "project_id": str(project_id),
            "gate": gate,
            "outcome": outcome,
            "computed_recommendation": "proceed",
            "decided_at": timestamp(),
            "supersedes_id": supersedes_id,
            **extra,
        }
        self.publish("decision.recorded", data, entity_type="decision")
        return decision_id

    def implement_adaptation(
        self, project_id: str | uuid.UUID, kind: str = "pivot", **extra: Any
    ) -> str:
        """Publish `adaptation.implemented`; returns the adaptation id."""
        adaptation_id = str(extra.pop("adaptation_id", uuid.uuid4()))
        data = {
            "adaptation_id": adaptation_id,
            "evaluation_id": str(uuid.uuid4()),
            "project_id": str(project_id),
            "kind": kind,
            "implemented_at": timestamp(),
            "summary": "Target group changed to care homes",
            **extra,
        }
        self.publish("adaptation.implemented", data, entity_type="adaptation")
        return adaptation_id
