"""`make demo`, developmental evaluation: the virtual ward's learning trail, through the gateway.

An evaluator (the demo subject with the `evaluator` role) runs the developmental evaluation of
the virtual-ward project: learning questions, a running log (one entry flagged as personal
data), a quarterly sensemaking session, findings with their evidence, a tweak that has been
reviewed and a pivot that has been implemented (which prompts a new outcome-map version on the
project), two theory-of-change versions and a learning brief. Idempotent like the rest of the
demo: records are looked up first, created with stable Idempotency-Keys, and status moves are
made only when the record is behind.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import httpx

from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

if TYPE_CHECKING:
    from scripts.demo import Demo

AREA = "evaluation"
PROJECT = "projects:virtual-ward-frailty-respiratory"
Json = dict[str, Any]

ENTRIES: list[tuple[str, Json]] = [
    (
        "ward-huddle-week-2",
        {
            "observed_at": "2026-01-26T09:30:00Z",
            "source": "meeting",
            "summary": "Daily huddle: 14 patients on the ward; two escalations to the on-call "
            "registrar, both after 18:00.",
            "tags": ["escalation", "evening"],
        },
    ),
    (
        "patient-interview-3",
        {
            "observed_at": "2026-02-04T14:00:00Z",
            "source": "interview",
            "summary": "Patient (COPD, 71) and daughter: the daily video call is reassuring; "
            "nobody answered the helpline at 21:40 on Sunday.",
            "tags": ["patient-experience", "evening"],
            "contains_personal_data": True,
        },
    ),
    (
        "sitrep-february",
        {
            "observed_at": "2026-02-28T17:00:00Z",
            "source": "routine_data",
            "summary": "February: 61 admissions avoided (estimate), 7-day readmission 9%; 70% "
            "of escalations between 18:00 and 23:00.",
            "tags": ["routine-data", "escalation"],
        },
    ),
    (
        "gp-feedback",
        {
            "observed_at": "2026-03-09T12:00:00Z",
            "source": "stakeholder_feedback",
            "summary": "Two PCN clinical directors: frailty patients are discharged to the ward "
            "without a named GP contact; COPD pathway works well.",
            "tags": ["primary-care"],
        },
    ),
]


def _fail(demo: Demo, message: str) -> Exception:
    # The demo's own error type, from the module that defined `Demo` (it runs as __main__).
    error: type[Exception] = sys.modules[type(demo).__module__].DemoError
    return error(message)


def _evaluator_http(demo: Demo) -> httpx.Client:
    """The same API as an evaluator (only evaluators and team members write evaluations)."""
    token = issue_token(
        key=DEV_JWT_KEY,
        subject="cmdi-demo",
        roles=["evaluator"],
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
    )
    http = httpx.Client(
        base_url=demo.http.base_url,
        headers={"Authorization": f"Bearer {token}", "User-Agent": "cmdi-demo"},
        timeout=demo.http.timeout,
        trust_env=False,
    )
    return http


def _child(
    demo: Demo, evaluation_id: str, path: str, slug: str, body: Json, key: str, value: Any
) -> Json:
    collection = f"evaluation/evaluations/{evaluation_id}/{path}"
    return demo.ensure(
        area=AREA,
        slug=slug,
        body=body,
        collection=collection,
        lookup=lambda: demo.find(collection, {}, lambda item: item.get(key) == value),
    )


def _move(demo: Demo, path: str, record: Json, order: list[str], target: str, **extra: Any) -> None:
    """Transition `record` step by step up to `target`, skipping steps already taken."""
    current = demo.request("GET", f"/evaluation/{path}/{record['id']}").json()["status"]
    for step in order[order.index(current) + 1 : order.index(target) + 1]:
        body: Json = {"to": step, **extra.get(step, {})}
        response = demo.request("POST", f"/evaluation/{path}/{record['id']}/transitions", json=body)
        if not response.is_success:
            raise _fail(demo, f"moving {path} {record['id']} to {step}: {response.text[:300]}")


def load_evaluation(demo: Demo) -> None:
    project_id = demo.ids[PROJECT]
    with _evaluator_http(demo) as http:
        # Same bookkeeping (results, ids) as the rest of the demo, another token.
        writer = type(demo)(http, results=demo.results, ids=demo.ids)
        evaluation = writer.ensure(
            area=AREA,
            slug="virtual-ward",
            collection="evaluation/evaluations",
            body={
                "project_id": project_id,
                "purpose": "preformative_development_of_potentially_scalable_innovation",
                "evaluators": ["dr-amara-okafor"],
                "primary_intended_users": ["virtual-ward-lead", "medicine-directorate-board"],
                "principles_applied": [
                    "developmental_purpose",
                    "evaluation_rigour",
                    "utilisation_focus",
                    "complexity_perspective",
                    "co_creation",
                    "timely_feedback",
                ],
                "sensemaking_cadence": "quarterly",
                "start_date": "2026-01-12",
            },
            lookup=lambda: writer.find(
                "evaluation/evaluations", {"project_id": project_id}, lambda _: True
            ),
        )
        de = evaluation["id"]
        _move(writer, "evaluations", evaluation, ["planned", "active", "concluded"], "active")

        questions = [
            "Which patients benefit most from hospital-at-home?",
            "What makes escalation safe outside working hours?",
            "How do GPs experience discharge from the virtual ward?",
        ]
        for number, text in enumerate(questions, start=1):
            _child(writer, de, "questions", f"question-{number}", {"text": text}, "text", text)

        entries = {
            slug: _child(writer, de, "log", slug, body, "observed_at", body["observed_at"])
            for slug, body in ENTRIES
        }
        reviewed = [entries[slug]["id"] for slug in ("ward-huddle-week-2", "sitrep-february")]
        _child(
            writer,
            de,
            "sessions",
            "q1-sensemaking",
            {
                "held_at": "2026-03-16T14:00:00Z",
                "format": "sensemaking",
                "participants": ["dr-amara-okafor", "virtual-ward-lead", "ward-sister"],
                "what": "Evening escalations dominate; patients value the video call.",
                "so_what": "The model leans on day staff; evening cover is the safety gap.",
                "now_what": "Add an evening nurse-led huddle; narrow the cohort to COPD first.",
                "actions": [
                    {"description": "Draft the evening huddle rota", "owner": "ward-sister"},
                    {"description": "Model COPD-only capacity", "owner": "virtual-ward-lead"},
                ],
                "data_reviewed": reviewed,
            },
            "held_at",
            "2026-03-16T14:00:00Z",
        )

        evening = _child(
            writer,
            de,
            "findings",
            "evening-escalations",
            {
                "statement": "Escalations cluster after 18:00, when no senior clinician is "
                "rostered.",
                "confidence": "high",
                "first_seen_at": "2026-01-26T09:30:00Z",
                "evidence_log_ids": reviewed,
            },
            "first_seen_at",
            "2026-01-26T09:30:00Z",
        )
        _move(
            writer,
            "findings",
            evening,
            ["emerging", "tested", "confirmed"],
            "tested",
        )
        copd = _child(
            writer,
            de,
            "findings",
            "copd-works-best",
            {
                "statement": "COPD patients do better on the ward than frail patients without "
                "a named GP contact.",
                "confidence": "medium",
                "first_seen_at": "2026-03-09T12:00:00Z",
                "evidence_log_ids": [entries["gp-feedback"]["id"]],
            },
            "first_seen_at",
            "2026-03-09T12:00:00Z",
        )

        huddle = _child(
            writer,
            de,
            "adaptations",
            "evening-huddle",
            {
                "kind": "tweak",
                "summary": "Add a nurse-led evening huddle at 18:30.",
                "rationale": "Most escalations happen after 18:00.",
                "decided_at": "2026-03-16T16:00:00Z",
                "finding_ids": [evening["id"]],
                "alternatives_considered": "Extend the consultant day to 20:00 (unaffordable).",
                "decided_by": ["virtual-ward-lead", "dr-amara-okafor"],
                "expected_effect": "A third fewer evening escalations to the registrar.",
                "review_at": "2026-05-31",
            },
            "decided_at",
            "2026-03-16T16:00:00Z",
        )
        _move(
            writer,
            "adaptations",
            huddle,
            ["proposed", "agreed", "implemented", "reviewed"],
            "reviewed",
            agreed={"at": "2026-03-18T09:00:00Z"},
            implemented={"at": "2026-04-01T18:30:00Z"},
            reviewed={
                "at": "2026-05-28T12:00:00Z",
                "observed_effect": "Evening escalations fell from 11 to 6 a month.",
            },
        )
        pivot = _child(
            writer,
            de,
            "adaptations",
            "copd-first",
            {
                "kind": "pivot",
                "summary": "Refocus the virtual ward on COPD exacerbations; pause frailty "
                "admissions until a named-GP pathway exists.",
                "rationale": "COPD outcomes are strong; frailty discharges lack GP ownership.",
                "decided_at": "2026-04-20T10:00:00Z",
                "finding_ids": [copd["id"]],
                "decided_by": ["medicine-directorate-board"],
                "expected_effect": "Readmissions under 8% for the COPD cohort.",
                "review_at": "2026-09-30",
            },
            "decided_at",
            "2026-04-20T10:00:00Z",
        )
        # Implementing the pivot publishes `adaptation.implemented`; the projects service
        # turns it into an outcome-map revision prompt on the project.
        _move(
            writer,
            "adaptations",
            pivot,
            ["proposed", "agreed", "implemented", "reviewed"],
            "implemented",
            agreed={"at": "2026-04-22T09:00:00Z"},
            implemented={"at": "2026-05-01T08:00:00Z"},
        )

        narrative_v1 = (
            "If frail and COPD patients are monitored at home with daily consultant-led "
            "huddles, they avoid admission and recover as well as on a ward."
        )
        _child(
            writer,
            de,
            "theory-of-change",
            "toc-v1",
            {
                "narrative": narrative_v1,
                "assumptions": [
                    {"text": "Patients can use the monitoring kit", "status": "holding"},
                    {"text": "Day staff can cover escalations", "status": "challenged"},
                    {"text": "GPs pick up patients after discharge", "status": "challenged"},
                ],
            },
            "narrative",
            narrative_v1,
        )
        narrative_v2 = (
            "If COPD patients are monitored at home with an evening nurse-led huddle, they "
            "avoid admission; frailty follows once a named-GP pathway exists."
        )
        _child(
            writer,
            de,
            "theory-of-change",
            "toc-v2",
            {
                "narrative": narrative_v2,
                "assumptions": [
                    {"text": "Patients can use the monitoring kit", "status": "holding"},
                    {"text": "Evening huddle covers escalations", "status": "holding"},
                    {"text": "GPs pick up patients after discharge", "status": "revised"},
                ],
                "changed_because": [huddle["id"], pivot["id"]],
            },
            "narrative",
            narrative_v2,
        )
        title = "Virtual ward: what we learned by spring 2026"
        _child(
            writer,
            de,
            "briefs",
            "spring-2026",
            {
                "title": title,
                "period_start": "2026-01-12",
                "period_end": "2026-05-31",
                "audience": ["virtual-ward-lead", "medicine-directorate-board"],
                "key_messages": [
                    "Evening cover was the safety gap; the 18:30 huddle halved escalations.",
                    "COPD patients benefit most; frailty needs a named-GP pathway first.",
                ],
            },
            "title",
            title,
        )
