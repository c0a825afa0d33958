"""`make demo`, engagement evidence at the gate (issue #14 item 5): a small template, "Gate
evidence (demo)", states the engagement rule "no G2 without a public contributor at `involve` or
above"; two projects the gate histories leave at `design` are assessed at G2 with it. The
maternity project has a public contributor at `involve` (from the engagement step), so its G2
passes the rule; surgical prehabilitation has none, so the rule is a failed gate and the score
reaches only `adapt`. Each assessment snapshots the project's engagement evidence when it is
opened (`engagement_evidence`), attached to the criterion that asks for it.

The maternity panel also shows item 12: before rating starts the chair adds an assessor and
then replaces them by another; once the first rating is in, that assessor recuses with a reason
(still on the panel's record, no longer counted). Surgical prehabilitation shows item 6: it gets
a small developmental evaluation with one learning-log entry, and the board's `adapt` decision
on its G2 cites that entry (at G2, `adapt` leaves the project at `design`).

Runs after `scripts.demo_gates` (the projects must have reached `design`) and
`scripts.demo_engagement`. Idempotent like the rest: the template is looked up by name, each
assessment by project and gate (a scored one is only checked), the panel by its subjects, the
evaluation by project, its entry by date, the decision by assessment.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from typing import TYPE_CHECKING, Any

from scripts.demo_evaluation import _child, _evaluator_http
from scripts.demo_gates import CHAIR, _client

if TYPE_CHECKING:
    import httpx

    from scripts.demo import Demo

AREA = "gate evidence"
Json = dict[str, Any]
NAME = "Gate evidence (demo)"
GATE = "g2_pilot_approval"
ASSESSOR = "n.okafor"
RULE = "engagement:public_contributor_at_least:involve"
# project slug -> whether the engagement rule passes
CASES = {"maternity-bp-monitoring": True, "surgical-prehab": False}
STAGE_WAIT_SECONDS = 240.0
# Item 12 on the maternity panel: added, then replaced (before rating), then recused (after).
PANEL_SLUG = "maternity-bp-monitoring"
ADDED, REPLACEMENT = "j.ahmed", "r.patel"
RECUSAL = "Has since joined the maternity pilot's team: a conflict found after rating began."
# Item 6 on surgical prehabilitation: a decision citing its evaluation's learning-log entry.
CITING_SLUG = "surgical-prehab"
ENTRY_AT = "2026-06-20T10:00:00Z"
ENTRY: Json = {
    "observed_at": ENTRY_AT,
    "source": "stakeholder_feedback",
    "summary": "Patient panel: the prehab programme was designed without them; they ask to "
    "co-design the exercise plan before any pilot.",
    "tags": ["involvement", "co-design"],
}
TEMPLATE: Json = {
    "format": "cmdi-framework-template/1",
    "name": NAME,
    "semver": "1.0.0",
    "description": "Demo only: a two-question pilot approval with an engagement rule.",
    "gates_used": [GATE],
    "scoring_policy": {"min_assessors": 1},
    "engagement_rules": [{"gate": GATE, "rule": "public_contributor_at_least", "level": "involve"}],
    "domains": [
        {
            "code": "pilot",
            "label": "Pilot readiness",
            "criteria": [
                {"code": "need", "question": "Is the need evidenced?", "scale": "likert_1_5"},
                {
                    "code": "co_design",
                    "question": "Have patients and the public shaped the pilot?",
                    "scale": "likert_1_5",
                    "evidence": ["engagement"],
                },
            ],
        }
    ],
}


def _error(demo: Demo, message: str) -> Exception:
    error: type[Exception] = sys.modules[type(demo).__module__].DemoError
    return error(f"gate evidence: {message}")


def _ok(demo: Demo, response: httpx.Response, doing: str) -> Any:
    if not response.is_success:
        raise _error(demo, f"{doing}: HTTP {response.status_code}: {response.text[:300]}")
    return response.json() if response.content else {}


def load_gate_evidence(demo: Demo) -> None:
    with (
        _client(demo.http.base_url, CHAIR, "governance") as http,
        _client(demo.http.base_url, ASSESSOR, "evaluator") as assessor,
    ):
        writer = type(demo)(http, results=demo.results, ids=demo.ids)
        template_id = _template(writer)
        for slug, passes in CASES.items():
            _assess(writer, assessor, template_id, slug, passes)
        _cite_evaluation(writer, template_id)


def _template(writer: Demo) -> str:
    found = writer.find("frameworks", {"name": NAME}, lambda _: True)
    if found is None:
        found = writer.ensure(
            area=AREA,
            slug="template",
            collection="frameworks/import",
            body=TEMPLATE,
            lookup=lambda: writer.find("frameworks", {"name": NAME}, lambda _: True),
        )
    if found["status"] == "draft":
        path = f"/frameworks/{found['id']}/transitions"
        _ok(writer, writer.request("POST", path, json={"to": "active"}), "activating")
    return str(found["id"])


def _wait_for_design(writer: Demo, project_id: str) -> None:
    deadline = time.monotonic() + STAGE_WAIT_SECONDS
    while True:
        project = _ok(writer, writer.request("GET", f"/projects/{project_id}"), "reading")
        if project["stage"] == "design":
            return
        if time.monotonic() > deadline:
            raise _error(writer, f"{project_id} is {project['stage']}, not design")
        time.sleep(1.0)


def _assess(
    writer: Demo, assessor: httpx.Client, template_id: str, slug: str, passes: bool
) -> None:
    project_id = writer.ids[f"projects:{slug}"]
    found = writer.find(
        "assessments",
        {"project_id": project_id, "gate": GATE},
        lambda a: a["template_id"] == template_id and a["status"] != "cancelled",
    )
    if found is None:
        _wait_for_design(writer, project_id)
        found = writer.ensure(
            area=AREA,
            slug=f"{slug}:g2",
            collection="assessments",
            body={
                "project_id": project_id,
                "gate": GATE,
                "template_id": template_id,
                "assessors": [ASSESSOR],
                "panel_chair": CHAIR,
            },
            lookup=lambda: None,
        )
    path = f"/assessments/{found['id']}"
    # A listed assessment is a summary: the snapshot is on the full read.
    found = _ok(writer, writer.request("GET", path), "reading the assessment")
    if (found.get("engagement_evidence") or {}).get("status") != "captured":
        raise _error(writer, f"{slug}: the engagement evidence was not captured: {found}")

    def move(to: str) -> Json:
        return dict(_ok(writer, writer.request("POST", f"{path}/transitions", json={"to": to}), to))

    status = found["status"]
    if status == "draft":
        status = move("open")["status"]
    panel = slug == PANEL_SLUG
    if status == "open":
        if panel:
            _change_panel(writer, path, found)
        body = {"has_conflict": False}
        _ok(writer, assessor.put(f"{path}/panel/me/declaration", json=body), "declaring")
        for code in ("need", "co_design"):
            rating = {"value": 5, "evidence_level": 4, "rationale": "Demo rating."}
            _ok(writer, assessor.put(f"{path}/ratings/{code}", json=rating), f"rating {code}")
            if panel:
                _recuse(writer, path)
        _ok(writer, assessor.post(f"{path}/panel/me/submission"), "submitting")
        status = move("scoring")["status"]
    if status == "scoring":
        status = move("moderation")["status"]
    if status == "moderation":
        _ok(writer, writer.request("POST", f"{path}/consensus/medians"), "adopting the medians")
        move("scored")
    result = _ok(writer, writer.request("GET", f"{path}/result"), "reading the result")
    [rule] = result["score"]["engagement_rules"]
    failed = {g["criterion"] for g in result["score"]["failed_gates"]}
    if rule["passed"] is not passes or (RULE in failed) is passes:
        raise _error(writer, f"{slug}: the engagement rule was meant to pass={passes}: {rule}")
    recused = _subjects(writer, path).get(REPLACEMENT, {}).get("recused_at")
    if panel and recused is None:
        raise _error(writer, f"{slug}: {REPLACEMENT} was meant to have recused")


def _subjects(writer: Demo, path: str) -> dict[str, Json]:
    found = _ok(writer, writer.request("GET", path), "reading the panel")
    return {str(m["subject"]): m for m in found["panel"]}


def _change_panel(writer: Demo, path: str, found: Json) -> None:
    """Item 12, before the first rating: add an assessor, then replace them (each once)."""
    subjects = {m["subject"] for m in found["panel"]}
    if REPLACEMENT in subjects:
        return
    if ADDED not in subjects:
        body = {"subject": ADDED, "reason": "A second clinical view on the maternity pilot."}
        _ok(writer, writer.request("POST", f"{path}/panel", json=body), "adding an assessor")
    body = {"subject": REPLACEMENT, "reason": f"{ADDED} is on leave for the rating window."}
    replacing = writer.request("POST", f"{path}/panel/{ADDED}/replacement", json=body)
    _ok(writer, replacing, "replacing an assessor")


def _recuse(writer: Demo, path: str) -> None:
    """Item 12, once rating has started: the replacement recuses, with a reason (once)."""
    member = _subjects(writer, path).get(REPLACEMENT)
    if member is None or member.get("recused_at") is not None:
        return
    recusing = writer.request(
        "POST", f"{path}/panel/{REPLACEMENT}/recusal", json={"reason": RECUSAL}
    )
    _ok(writer, recusing, "recording a recusal")


def _cite_evaluation(writer: Demo, template_id: str) -> None:
    """Item 6: surgical prehabilitation's evaluation and one learning-log entry, cited by the
    `adapt` decision on its G2 (the score's recommendation, so no override)."""
    project_id = writer.ids[f"projects:{CITING_SLUG}"]
    with _evaluator_http(writer) as http:
        evaluator = type(writer)(http, results=writer.results, ids=writer.ids)
        evaluation = evaluator.ensure(
            area=AREA,
            slug=f"{CITING_SLUG}:evaluation",
            collection="evaluation/evaluations",
            body={
                "project_id": project_id,
                "purpose": "preformative_development_of_potentially_scalable_innovation",
                "evaluators": ["dr-amara-okafor"],
                "primary_intended_users": ["surgical-prehab-lead"],
                "principles_applied": ["developmental_purpose", "co_creation"],
                "sensemaking_cadence": "quarterly",
                "start_date": "2026-06-01",
            },
            lookup=lambda: evaluator.find(
                "evaluation/evaluations", {"project_id": project_id}, lambda _: True
            ),
        )
        entry = _child(
            evaluator, evaluation["id"], "log", f"{CITING_SLUG}:patient-panel", ENTRY,
            "observed_at", ENTRY_AT,
        )  # fmt: skip
    assessment = writer.find(
        "assessments",
        {"project_id": project_id, "gate": GATE},
        # Scored, or decided since (a second run).
        lambda a: a["template_id"] == template_id and a["status"] in ("scored", "decided"),
    )
    if assessment is None:
        raise _error(writer, f"{CITING_SLUG}: no scored G2 assessment to decide on")
    decision = writer.ensure(
        area=AREA,
        slug=f"{CITING_SLUG}:g2-decision",
        collection="decisions",
        body={
            "assessment_id": assessment["id"],
            "outcome": "adapt",
            "rationale": "Adapt, as the score recommended: the patient panel's learning-log "
            "entry says the plan was not co-designed; return with a public contributor at "
            "involve.",
            "forum": "CMDI Innovation Board",
            "meeting_date": dt.date.today().isoformat(),
            "citations": [{"kind": "learning_log_entry", "id": entry["id"]}],
        },
        lookup=lambda: writer.find(
            "decisions", {"assessment_id": str(assessment["id"])}, lambda _: True
        ),
    )
    full = _ok(writer, writer.request("GET", f"/decisions/{decision['id']}"), "reading")
    if [c["id"] for c in full.get("citations", [])] != [entry["id"]]:
        raise _error(writer, f"{CITING_SLUG}: the decision does not cite the entry: {full}")
