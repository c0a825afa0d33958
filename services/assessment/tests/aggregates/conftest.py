"""Aggregate-read tests: records built through the API (as clients make them) at instants the
test chooses (`shared.testing` clock, frozen per step), the projects upstream the suite's fake.

`Build` (the `build` fixture) takes an assessment to `scored` and records decisions, conditions
and a developmental evaluation's records; `at(...)` gives a UTC instant."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.testing import FakeProjects, ManualClock, TokenFactory, api_client

TEMPLATE: dict[str, Any] = {
    "format": "cmdi-framework-template/1",
    "name": "Aggregates test",
    "semver": "1.2.0",
    "scoring_policy": {"min_assessors": 2},
    "domains": [
        {
            "code": "core",
            "label": "Core",
            "weight": 1,
            "criteria": [
                {"code": "ordinal", "question": "?", "scale": "ordinal_0_4"},
                {"code": "likert", "question": "?", "scale": "likert_1_5"},
            ],
        }
    ],
}
# Both agree: ordinal 3 and 4 (median 3, 0.75) and likert 5 (1.0): overall 0.875, high
# confidence, recommendation `proceed` at g0-g3.
AGREED = {"alice": {"ordinal": 4, "likert": 5}, "bob": {"ordinal": 3, "likert": 5}}
GATE_STAGE = {
    "g0_triage": "idea",
    "g1_scoping": "scoping",
    "g2_pilot_approval": "design",
    "g3_post_pilot_review": "pilot",
}


def at(text: str) -> dt.datetime:
    """`2026-03-01` or `2026-03-01T10:00` as a UTC instant."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def iso(instant: dt.datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


class Build:
    def __init__(
        self, app: FastAPI, tokens: TokenFactory, projects: FakeProjects, clock: ManualClock
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.projects = projects
        self.clock = clock
        self.template_id: str | None = None

    def as_(self, subject: str, role: str) -> httpx.AsyncClient:
        return api_client(self.app, token=self.tokens(role, sub=subject))

    def now(self, instant: dt.datetime) -> None:
        """Writes from here on happen at `instant` (a second apart each step)."""
        self.clock.freeze(instant)

    async def call(
        self, method: str, path: str, *, who: tuple[str, str] = ("gov-1", "governance"), **kw: Any
    ) -> Any:
        self.clock.advance()
        async with self.as_(*who) as client:
            response = await client.request(method, path, **kw)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def template(self, document: dict[str, Any] | None = None) -> str:
        """The test template's id (imported once), or a new one made from `document`."""
        if document is None and self.template_id is not None:
            return self.template_id
        made = await self.call("POST", "/v1/frameworks/import", json=document or TEMPLATE)
        await self.call("POST", f"/v1/frameworks/{made['id']}/transitions", json={"to": "active"})
        if document is None:
            self.template_id = str(made["id"])
        return str(made["id"])

    def project(self, stage: str = "idea") -> str:
        return str(self.projects.add_project(stage=stage))

    async def scored(
        self,
        project_id: str,
        *,
        gate: str = "g0_triage",
        ratings: dict[str, dict[str, Any]] | None = None,
        template_id: str | None = None,
    ) -> dict[str, Any]:
        """An assessment of the project at `gate`, taken to `scored` (medians as consensus)."""
        ratings = ratings or AGREED
        self.projects.records[uuid.UUID(project_id)]["stage"] = GATE_STAGE[gate]
        created = await self.call(
            "POST",
            "/v1/assessments",
            json={
                "project_id": project_id,
                "gate": gate,
                "template_id": template_id or await self.template(),
                "assessors": sorted(ratings),
                "panel_chair": "gov-1",
            },
        )
        path = f"/v1/assessments/{created['id']}"
        await self.call("POST", f"{path}/transitions", json={"to": "open"})
        for subject, values in ratings.items():
            who = (subject, "evaluator")
            await self.call(
                "PUT", f"{path}/panel/me/declaration", who=who, json={"has_conflict": False}
            )
            for code, value in values.items():
                await self.call(
                    "PUT",
                    f"{path}/ratings/{code}",
                    who=who,
                    json={"value": value, "evidence_level": 4, "rationale": f"{subject} on {code}"},
                )
            await self.call("POST", f"{path}/panel/me/submission", who=who)
        await self.call("POST", f"{path}/transitions", json={"to": "scoring"})
        await self.call("POST", f"{path}/transitions", json={"to": "moderation"})
        await self.call("POST", f"{path}/consensus/medians")
        scored: dict[str, Any] = await self.call(
            "POST", f"{path}/transitions", json={"to": "scored"}
        )
        return scored

    async def decide(
        self,
        assessment: dict[str, Any],
        outcome: str,
        when: dt.datetime,
        **body: Any,
    ) -> dict[str, Any]:
        """Record the decision at `when` (a rationale is added for an override)."""
        self.now(when - dt.timedelta(seconds=1))
        if outcome != assessment["recommendation"]:
            body.setdefault("rationale", "The board weighed the context differently.")
        decision: dict[str, Any] = await self.call(
            "POST",
            "/v1/decisions",
            json={"assessment_id": assessment["id"], "outcome": outcome, "forum": "Board", **body},
        )
        return decision

    async def decision_at(
        self,
        project_id: str,
        outcome: str,
        when: dt.datetime,
        *,
        gate: str = "g0_triage",
        **body: Any,
    ) -> dict[str, Any]:
        """A scored assessment of the project (an hour before) and its decision at `when`."""
        self.now(when - dt.timedelta(hours=1))
        assessment = await self.scored(project_id, gate=gate)
        return await self.decide(assessment, outcome, when, **body)

    async def close_condition(
        self, decision: dict[str, Any], index: int, to: str, when: dt.datetime
    ) -> dict[str, Any]:
        self.now(when - dt.timedelta(seconds=1))
        condition = decision["conditions"][index]
        result: dict[str, Any] = await self.call(
            "POST",
            f"/v1/decisions/{decision['id']}/conditions/{condition['id']}/transitions",
            json={"to": to, "reason": "Checked at the board."},
        )
        return result

    # -- developmental evaluation ------------------------------------------------------------

    async def evaluation(
        self, project_id: str, *, start: str, end: str | None = None, active: bool = True
    ) -> str:
        made = await self.call(
            "POST",
            "/v1/evaluation/evaluations",
            who=("eve", "evaluator"),
            json={
                "project_id": project_id,
                "purpose": "ongoing_development",
                "evaluators": ["eve"],
                "primary_intended_users": ["carl"],
                "principles_applied": ["developmental_purpose"],
                "sensemaking_cadence": "quarterly",
                "start_date": start,
                "end_date": end,
            },
        )
        if active:
            await self.move_evaluation(str(made["id"]), "active")
        return str(made["id"])

    async def move_evaluation(
        self, evaluation_id: str, to: str, when: dt.datetime | None = None
    ) -> None:
        if when is not None:
            self.now(when - dt.timedelta(seconds=1))
        await self.call(
            "POST",
            f"/v1/evaluation/evaluations/{evaluation_id}/transitions",
            who=("eve", "evaluator"),
            json={"to": to},
        )

    async def record(self, evaluation_id: str, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        made: dict[str, Any] = await self.call(
            "POST",
            f"/v1/evaluation/evaluations/{evaluation_id}/{kind}",
            who=("eve", "evaluator"),
            json=body,
        )
        return made

    async def pivot(self, evaluation_id: str, decided: dt.datetime) -> dict[str, Any]:
        return await self.record(
            evaluation_id,
            "adaptations",
            {
                "kind": "pivot",
                "summary": "Move from home visits to remote monitoring.",
                "rationale": "Visits do not scale.",
                "decided_at": iso(decided),
            },
        )

    async def implement(self, adaptation_id: str, when: dt.datetime) -> None:
        self.now(when - dt.timedelta(seconds=3))
        for step in ("agreed", "implemented"):
            await self.call(
                "POST",
                f"/v1/evaluation/adaptations/{adaptation_id}/transitions",
                who=("eve", "evaluator"),
                json={"to": step},
            )


@pytest.fixture
def build(app: FastAPI, tokens: TokenFactory, projects: FakeProjects, clock: ManualClock) -> Build:
    return Build(app, tokens, projects, clock)


@pytest.fixture
async def reader(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[Any]:
    """`reader(role)`: a client with that role."""
    clients: list[httpx.AsyncClient] = []

    def make(role: str, subject: str = "someone") -> httpx.AsyncClient:
        client = api_client(app, token=tokens(role, sub=subject))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()
