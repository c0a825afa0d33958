"""`make demo`, a second developmental evaluation: the ED mental health triage pilot, active since
its pilot approval, with questions, a learning log, a finding, an agreed tweak and an autumn
pivot (the virtual ward's, `scripts.demo_evaluation`, was in the spring). Two active evaluations
let the portfolio count them. Idempotent like `scripts.demo_evaluation`, whose helpers it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scripts.demo_evaluation import AREA, _child, _evaluator_http, _move

if TYPE_CHECKING:
    from scripts.demo import Demo

PROJECT = "projects:ed-mental-health-triage"
LOG = [
    ("triage-audit-june", "2026-06-30T17:00:00Z", "routine_data",
     "June: 212 mental health presentations; the tool was completed for 71%."),
    ("nurse-interviews", "2026-07-14T13:00:00Z", "interview",
     "Night nurses skip the tool when the department is full; day nurses find it quick."),
    ("liaison-times", "2026-08-31T17:00:00Z", "routine_data",
     "Median time to liaison review fell from 3 h 10 to 1 h 40 for tool referrals."),
]  # fmt: skip


def load_evaluation_ed(demo: Demo) -> None:
    project_id = demo.ids[PROJECT]
    with _evaluator_http(demo) as http:
        writer = type(demo)(http, results=demo.results, ids=demo.ids)
        evaluation = writer.ensure(
            area=AREA,
            slug="ed-mental-health-triage",
            collection="evaluation/evaluations",
            body={
                "project_id": project_id,
                "purpose": "ongoing_development",
                "evaluators": ["dr-amara-okafor"],
                "primary_intended_users": ["ed-mental-health-lead"],
                "principles_applied": ["developmental_purpose", "utilisation_focus"],
                "sensemaking_cadence": "quarterly",
                "start_date": "2026-06-01",
            },
            lookup=lambda: writer.find(
                "evaluation/evaluations", {"project_id": project_id}, lambda _: True
            ),
        )
        de = evaluation["id"]
        _move(writer, "evaluations", evaluation, ["planned", "active", "concluded"], "active")
        for number, text in enumerate(
            [
                "What stops nurses completing the tool at night?",
                "Do tool referrals reach liaison faster, and for whom?",
            ],
            start=1,
        ):
            _child(writer, de, "questions", f"ed-question-{number}", {"text": text}, "text", text)
        entries = {
            slug: _child(
                writer,
                de,
                "log",
                slug,
                {"observed_at": at, "source": source, "summary": summary},
                "observed_at",
                at,
            )
            for slug, at, source, summary in LOG
        }
        finding = _child(
            writer,
            de,
            "findings",
            "night-completion",
            {
                "statement": "The tool is skipped at night when the department is full.",
                "confidence": "medium",
                "first_seen_at": "2026-07-14T13:00:00Z",
                "evidence_log_ids": [entries["nurse-interviews"]["id"]],
            },
            "first_seen_at",
            "2026-07-14T13:00:00Z",
        )
        tweak = _child(
            writer,
            de,
            "adaptations",
            "ed-short-form",
            {
                "kind": "tweak",
                "summary": "A five-question short form for nights.",
                "rationale": "Completion drops at night; the full tool takes eight minutes.",
                "decided_at": "2026-09-15T10:00:00Z",
                "finding_ids": [finding["id"]],
                "decided_by": ["ed-mental-health-lead"],
                "expected_effect": "Night completion above 85%.",
                "review_at": "2027-01-31",
            },
            "decided_at",
            "2026-09-15T10:00:00Z",
        )
        steps = ["proposed", "agreed", "implemented", "reviewed"]
        _move(writer, "adaptations", tweak, steps, "agreed", agreed={"at": "2026-09-20T09:00:00Z"})
        # A recent pivot (the virtual ward's was in the spring), so a report over the last
        # quarter has one to count.
        pivot = _child(
            writer,
            de,
            "adaptations",
            "ed-under-18s",
            {
                "kind": "pivot",
                "summary": "Adults only: under-18s go to a CAMHS liaison route, not the tool.",
                "rationale": "The young people's panel: the tool was not made for them.",
                "decided_at": "2026-10-20T10:00:00Z",
                "finding_ids": [finding["id"]],
                "decided_by": ["ed-mental-health-lead", "camhs-lead"],
                "expected_effect": "Every under-18 seen by CAMHS liaison within four hours.",
                "review_at": "2027-03-31",
            },
            "decided_at",
            "2026-10-20T10:00:00Z",
        )
        _move(
            writer,
            "adaptations",
            pivot,
            steps,
            "implemented",
            agreed={"at": "2026-10-22T09:00:00Z"},
            implemented={"at": "2026-11-02T08:00:00Z"},
        )
