"""A small, consistent platform for the reporting suite, played by the kit's read fakes.

`Upstreams` holds the three fakes and what they answer: `add_project(...)` registers a project
with every per-project read (record, team, stage history, attainment, strategy coverage,
practice profile, benefits, adoption tracker, engagement); `add_decision`, `add_assessment`,
`add_evaluation` and `add_condition` fill the assessment service's lists (answered filtered by
their query, as the service filters them) and a decision's evidence read; `aggregates(...)` the
three portfolio aggregates. Every body starts as the smallest one the upstream's contract
accepts (`example`) with the figures a test is about laid over it, so a test states only what
it checks and stays valid while the upstreams add fields.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from shared.testing.contract import OpenApiContract
from shared.testing.fakes import Answer, Call
from shared.testing.reads import FakeReads, merge

PROJECT = "/v1/projects/{project_id}"
PROJECT_DOCUMENTS = (
    f"{PROJECT}/attainment",
    f"{PROJECT}/strategy-coverage",
    f"{PROJECT}/practice-profile",
    f"{PROJECT}/adoption-tracker",
    "/v1/aggregates/projects/{project_id}/attainment",
)


def live_contracts() -> dict[str, OpenApiContract]:
    """Each upstream's contract as its app publishes it now."""
    import assessment_service.main
    import projects_service.main
    import stakeholders_service.main

    factories: dict[str, Callable[[], FastAPI]] = {
        "projects": projects_service.main.create_app,
        "assessment": assessment_service.main.create_app,
        "stakeholders": stakeholders_service.main.create_app,
    }
    return {name: OpenApiContract(name, factory().openapi()) for name, factory in factories.items()}


@dataclass
class Upstreams:
    projects: FakeReads
    assessment: FakeReads
    stakeholders: FakeReads
    decisions: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    evaluations: list[dict[str, Any]] = field(default_factory=list)
    conditions: list[dict[str, Any]] = field(default_factory=list)
    summaries: dict[str, dict[str, Any]] = field(default_factory=dict)
    teams: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def transports(self) -> dict[str, httpx.AsyncBaseTransport]:
        return {
            "projects": self.projects,
            "assessment": self.assessment,
            "stakeholders": self.stakeholders,
        }

    def fakes(self) -> list[FakeReads]:
        return [self.projects, self.assessment, self.stakeholders]

    def calls(self) -> int:
        """Upstream calls made so far, the three services together."""
        return sum(len(fake.calls) for fake in self.fakes())

    def forget_calls(self) -> None:
        for fake in self.fakes():
            fake.calls.clear()
            fake.bodies.clear()

    def reset(self) -> None:
        for fake in self.fakes():
            fake.reset()
        self.decisions.clear()
        self.assessments.clear()
        self.evaluations.clear()
        self.conditions.clear()
        self.summaries.clear()
        self.teams.clear()

    # --- the portfolio aggregates -------------------------------------------------------------

    def aggregates(
        self,
        projects: Mapping[str, Any] | None = None,
        governance: Mapping[str, Any] | None = None,
        engagement: Mapping[str, Any] | None = None,
    ) -> None:
        """The three portfolio aggregates: each the contract's smallest body with `...` over it."""
        path = "/v1/aggregates/portfolio"
        self.projects.answer("GET", path, merge(self.projects.example("GET", path), projects or {}))
        path = "/v1/aggregates/governance"
        body = merge(self.assessment.example("POST", path), governance or {})
        self.assessment.answer("POST", path, body)
        path = "/v1/aggregates/engagement"
        body = merge(self.stakeholders.example("POST", path), engagement or {})
        self.stakeholders.answer("POST", path, body)

    # --- one project and everything read about it ---------------------------------------------

    def add_project(
        self,
        *,
        team: Sequence[Mapping[str, Any]] = (),
        stages: Sequence[Mapping[str, Any]] = (),
        **record: Any,
    ) -> str:
        project_id = str(record.pop("id", uuid.uuid4()))
        p = self.projects
        body = merge(
            p.example("GET", PROJECT),
            {
                "id": project_id,
                "reference": f"CMDI-2026-{len(self.summaries) + 1:03d}",
                "title": "Virtual ward",
                "stage": "pilot",
                "pillar": "project_innovation",
                "innovation_type": "digital_technology",
                "directorate": "Medicine",
                **record,
            },
        )
        p.answer_for("GET", PROJECT, project_id, body, not_found="project-not-found")
        self.summaries[project_id] = body
        self.teams[project_id] = [
            merge(self._membership(), m) | {"project_id": project_id} for m in team
        ]
        p.answer("GET", f"{PROJECT}/team", self._team_list)
        changes = [merge(self._stage_change(), s) | {"project_id": project_id} for s in stages]
        self._page(p, f"{PROJECT}/transitions", project_id, changes)
        self._page(p, f"{PROJECT}/benefits", project_id, [])
        for template in PROJECT_DOCUMENTS:
            example = merge(p.example("GET", template), {"project_id": project_id})
            p.answer_for("GET", template, project_id, example, not_found="project-not-found")
        p.answer("GET", "/v1/projects", self._project_list)
        self._lists()
        self.stakeholders.answer(
            "POST", "/v1/aggregates/project-engagement", self._project_engagement
        )
        return project_id

    def _team_list(self, call: Call, path: Mapping[str, str]) -> Answer:
        members = self.teams.get(path["project_id"])
        if members is None:
            return 404, {
                "type": "https://cmdi.example/problems/project-not-found",
                "title": "Resource not found",
                "status": 404,
                "detail": "No such project.",
            }
        subject = call.param("subject")
        found = [m for m in members if subject is None or m["subject"] == subject]
        if call.param("active") == "true":
            found = [m for m in found if m["end_date"] is None]
        return 200, {"items": found, "next_cursor": None}

    def _membership(self) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "subject": "lead-1",
            "display_name": "Lead One",
            "affiliation": "trust",
            "role": "project_lead",
            "fte": None,
            "start_date": "2026-01-05",
            "end_date": None,
            "created_at": "2026-01-05T09:00:00Z",
            "updated_at": "2026-01-05T09:00:00Z",
            "version": 1,
        }

    def _stage_change(self) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "occurred_at": "2026-02-01T10:00:00Z",
            "from_stage": "idea",
            "to_stage": "scoping",
            "kind": "transition",
            "action": "advance",
            "gate": None,
            "decision_id": None,
            "actor": "gov-1",
            "reason": "",
        }

    def _page(self, fake: FakeReads, template: str, key: str, items: list[Any]) -> None:
        fake.answer_for(
            "GET",
            template,
            key,
            {"items": items, "next_cursor": None},
            not_found="project-not-found",
        )

    def _project_list(self, call: Call, _: Mapping[str, str]) -> Answer:
        wanted = call.params("id")
        items = [self.summaries[i] for i in wanted if i in self.summaries]
        return 200, {"items": items, "next_cursor": None}

    def _project_engagement(self, call: Call, path: Mapping[str, str]) -> Answer:
        _, body = self.stakeholders.bodies[-1]
        example = self.stakeholders.example("POST", "/v1/aggregates/project-engagement")
        return 200, merge(example, {"project_id": body["project_id"], "as_of": body["as_of"]})

    # --- the assessment service's lists, filtered as the service filters them -----------------

    def add_decision(self, project_id: str, **fields: Any) -> str:
        a = self.assessment
        decision_id = str(fields.pop("id", uuid.uuid4()))
        summary = merge(
            a.example_of("DecisionSummary"),
            {
                "id": decision_id,
                "project_id": project_id,
                "assessment_id": str(uuid.uuid4()),
                "gate": "g2_pilot_approval",
                "outcome": "proceed",
                "computed_recommendation": "proceed",
                "forum": "Innovation board",
                "meeting_date": "2026-03-10",
                "decided_by": "chair-1",
                "decided_at": "2026-03-10T15:00:00Z",
                **fields,
            },
        )
        self.decisions.append(summary)
        read = merge(a.example_of("DecisionRead"), summary)
        a.answer_for(
            "GET", "/v1/decisions/{decision_id}", decision_id, read, not_found="decision-not-found"
        )
        template = "/v1/aggregates/decisions/{decision_id}/evidence"
        evidence = merge(
            a.example("GET", template),
            {
                "decision": {
                    k: summary[k]
                    for k in (
                        "id",
                        "project_id",
                        "assessment_id",
                        "gate",
                        "outcome",
                        "computed_recommendation",
                        "forum",
                        "meeting_date",
                        "decided_at",
                    )
                }
                | {"followed_recommendation": not summary["overridden"]},
                "assessment": {"id": summary["assessment_id"], "gate": summary["gate"]},
            },
        )
        a.answer_for("GET", template, decision_id, evidence, not_found="decision-not-found")
        self._lists()
        return decision_id

    def add_assessment(self, project_id: str, **fields: Any) -> str:
        assessment_id = str(fields.pop("id", uuid.uuid4()))
        self.assessments.append(
            merge(
                self.assessment.example_of("AssessmentSummary"),
                {
                    "id": assessment_id,
                    "project_id": project_id,
                    "gate": "g2_pilot_approval",
                    "status": "scored",
                    "created_at": "2026-02-20T09:00:00Z",
                    **fields,
                },
            )
        )
        self._lists()
        return assessment_id

    def add_evaluation(
        self, project_id: str, items: Sequence[Mapping[str, Any]] = (), **fields: Any
    ) -> str:
        a = self.assessment
        evaluation_id = str(fields.pop("id", uuid.uuid4()))
        self.evaluations.append(
            merge(
                a.example_of("EvaluationRead"),
                {"id": evaluation_id, "project_id": project_id, "status": "active", **fields},
            )
        )
        timeline = [
            merge(
                a.example_of("TimelineItem"),
                {
                    "id": str(uuid.uuid4()),
                    "occurred_at": "2026-02-15T10:00:00Z",
                    "recorded_at": "2026-02-15T10:00:00Z",
                    **item,
                },
            )
            for item in items
        ]
        self._page(
            a, "/v1/evaluation/evaluations/{evaluation_id}/timeline", evaluation_id, timeline
        )
        self._lists()
        return evaluation_id

    def add_condition(self, project_id: str, decision_id: str, **fields: Any) -> str:
        condition_id = str(fields.pop("id", uuid.uuid4()))
        self.conditions.append(
            merge(
                self.assessment.example_of("ConditionRead"),
                {
                    "id": condition_id,
                    "project_id": project_id,
                    "decision_id": decision_id,
                    "text": "Report readmissions monthly",
                    "owner": "lead-1",
                    "due_date": "2026-04-01",
                    "status": "open",
                    **fields,
                },
            )
        )
        self._lists()
        return condition_id

    def _lists(self) -> None:
        a = self.assessment
        a.answer("GET", "/v1/decisions", self._decision_list)
        a.answer("GET", "/v1/assessments", self._assessment_list)
        a.answer("GET", "/v1/evaluation/evaluations", self._evaluation_list)
        a.answer("GET", "/v1/decisions/conditions", self._condition_list)

    @staticmethod
    def _matching(items: list[dict[str, Any]], call: Call, names: tuple[str, ...]) -> Answer:
        found = [
            item
            for item in items
            if all(call.param(name) in (None, str(item.get(name))) for name in names)
        ]
        return 200, {"items": found, "next_cursor": None}

    def _decision_list(self, call: Call, _: Mapping[str, str]) -> Answer:
        return self._matching(self.decisions, call, ("project_id", "forum", "meeting_date"))

    def _assessment_list(self, call: Call, _: Mapping[str, str]) -> Answer:
        return self._matching(self.assessments, call, ("project_id", "status"))

    def _evaluation_list(self, call: Call, _: Mapping[str, str]) -> Answer:
        return self._matching(self.evaluations, call, ("project_id",))

    def _condition_list(self, call: Call, _: Mapping[str, str]) -> Answer:
        return self._matching(self.conditions, call, ("status",))
