"""The assessment suite's shared builders, always through the API: `DE` (one developmental
evaluation's records; the evaluation tests' `kit`), `evaluation_body` and `ts`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from shared.testing import FakeProjects


def ts(text: str) -> str:
    """A UTC instant as the API writes it."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).isoformat().replace("+00:00", "Z")


class DE:
    """Builders for one evaluation's records through the API (the way clients make them)."""

    def __init__(self, api: httpx.AsyncClient, evaluation: dict[str, Any]) -> None:
        self.api = api
        self.evaluation = evaluation
        self.id = evaluation["id"]

    @classmethod
    async def start(
        cls, api: httpx.AsyncClient, projects: FakeProjects | None, **overrides: Any
    ) -> DE:
        """An evaluation of `project_id`, or of a new project of the fake `projects`."""
        project_id = overrides.pop("project_id", None)
        if project_id is None:
            assert projects is not None, "a project_id, or the fake to add one to"
            project_id = projects.add_project()
        response = await api.post(
            "/v1/evaluation/evaluations", json=evaluation_body(project_id, **overrides)
        )
        assert response.status_code == 201, response.text
        return cls(api, response.json())

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.api.post(f"/v1/evaluation/evaluations/{self.id}/{path}", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    async def entry(self, observed_at: str = "2026-03-02T10:00:00", **overrides: Any) -> Any:
        body = {
            "observed_at": ts(observed_at),
            "source": "interview",
            "summary": "Ward sister: patients like the daily video call but evenings are thin.",
            "tags": ["evening-cover"],
            **overrides,
        }
        return await self.post("log", body)

    async def session(
        self, held_at: str = "2026-03-31T14:00:00", reviewed: list[str] | None = None, **kw: Any
    ) -> Any:
        body = {
            "held_at": ts(held_at),
            "format": "sensemaking",
            "participants": ["eve", "carl"],
            "what": "Evening escalations doubled since March.",
            "so_what": "The model relies on day staff for escalation.",
            "now_what": "Trial an evening nurse-led huddle.",
            "actions": [
                {"description": "Draft huddle rota", "owner": "carl", "due_on": "2026-04-14"}
            ],
            "data_reviewed": reviewed or [],
            **kw,
        }
        return await self.post("sessions", body)

    async def finding(
        self,
        first_seen_at: str = "2026-03-10T09:00:00",
        evidence: list[str] | None = None,
        **kw: Any,
    ) -> Any:
        body = {
            "statement": "Escalations cluster after 18:00 when no senior is on the rota.",
            "confidence": "medium",
            "first_seen_at": ts(first_seen_at),
            "evidence_log_ids": evidence or [],
            **kw,
        }
        return await self.post("findings", body)

    async def adaptation(
        self, decided_at: str = "2026-04-01T12:00:00", findings: list[str] | None = None, **kw: Any
    ) -> Any:
        body = {
            "kind": "tweak",
            "summary": "Add an evening nurse-led huddle.",
            "rationale": "Escalations cluster in the evening.",
            "decided_at": ts(decided_at),
            "finding_ids": findings or [],
            "expected_effect": "Fewer evening escalations to the on-call registrar.",
            **kw,
        }
        return await self.post("adaptations", body)

    async def move(self, adaptation_id: str, *steps: str, **extra: Any) -> Any:
        result: Any = None
        for step in steps:
            body: dict[str, Any] = {"to": step}
            if step == "reviewed":
                body["observed_effect"] = extra.get(
                    "observed_effect", "Escalations fell by a third."
                )
            if step in extra:
                body["at"] = extra[step]
            response = await self.api.post(
                f"/v1/evaluation/adaptations/{adaptation_id}/transitions", json=body
            )
            assert response.status_code == 200, response.text
            result = response.json()
        return result

    async def question(self, text: str = "What makes escalation safe at night?") -> Any:
        return await self.post("questions", {"text": text})

    async def toc(self, assumptions: list[dict[str, str]] | None = None, **kw: Any) -> Any:
        body = {
            "narrative": "If patients are monitored at home, then fewer are readmitted.",
            "assumptions": assumptions
            or [{"text": "Patients can use the kit", "status": "holding"}],
            **kw,
        }
        return await self.post("theory-of-change", body)


def evaluation_body(project_id: uuid.UUID | str, **overrides: Any) -> dict[str, Any]:
    return {
        "project_id": str(project_id),
        "purpose": "ongoing_development",
        "evaluators": ["eve"],
        "primary_intended_users": ["carl", "ward-manager"],
        "principles_applied": ["developmental_purpose", "utilisation_focus", "timely_feedback"],
        "sensemaking_cadence": "quarterly",
        "start_date": "2026-03-01",
        **overrides,
    }
