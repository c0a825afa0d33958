"""`make demo`, engagement evidence at the gate (issue #14 item 5): a small template, "Gate
evidence (demo)", states the engagement rule "no G2 without a public contributor at `involve` or
above"; two projects the gate histories leave at `design` are assessed at G2 with it. The
maternity project has a public contributor at `involve` (from the engagement step), so its G2
passes the rule; surgical prehabilitation has none, so the rule is a failed gate and the score
reaches only `adapt`. Each assessment snapshots the project's engagement evidence when it is
opened (`engagement_evidence`), attached to the criterion that asks for it.

Runs after `scripts.demo_gates` (the projects must have reached `design`) and
`scripts.demo_engagement`. Idempotent like the rest: the template is looked up by name, each
assessment by project and gate; a scored one is only checked.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

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
    if status == "open":
        body = {"has_conflict": False}
        _ok(writer, assessor.put(f"{path}/panel/me/declaration", json=body), "declaring")
        for code in ("need", "co_design"):
            rating = {"value": 5, "evidence_level": 4, "rationale": "Demo rating."}
            _ok(writer, assessor.put(f"{path}/ratings/{code}", json=rating), f"rating {code}")
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
