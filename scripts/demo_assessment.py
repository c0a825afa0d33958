"""`make demo`, impact assessment and governance: the shipped templates and three triage (G0)
assessments, through the gateway.

- The CMDI IIAF and NASSS complexity templates are imported and activated.
- ED streaming is assessed by a two-person panel, scored and decided `proceed` by the Innovation
  Board; the projects service then moves the project to `scoping` (it consumes
  `decision.recorded`).
- AI-assisted discharge summaries is scored with a NASSS complexity profile and decided
  `proceed_with_conditions`, with one condition already past due.
- Pharmacy robotics waits in moderation, with the panel's spread and outliers to calibrate.

Idempotent like the rest of the demo: templates and assessments are looked up first, writes
carry stable Idempotency-Keys, ratings are PUTs, and each workflow step runs only when the
assessment is behind it.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import httpx

from assessment_service.frameworks.defaults import DEFAULT_TEMPLATES, IIAF_NAME
from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

if TYPE_CHECKING:
    from scripts.demo import Demo, Outcome

Json = dict[str, Any]
KEY = "cmdi-demo-v1:assessment"
ASSESSORS = ("dr.a.patel", "n.okafor")
ORDER = ["draft", "open", "scoring", "moderation", "scored", "decided"]

# Per assessor: criterion → value (the IIAF's G0 criteria; the rest are recorded unknown).
STRONG = {
    "sf_need": 4, "sf_priorities": 5, "sf_core20plus5": "met", "vo_effectiveness": 3,
    "vo_value_proposition": 4, "vo_value_for_money": 3, "es_evidence_level": 3, "re_reach": 3,
    "re_core20": 4, "re_equality_impact": "met", "ar_inner_setting": 1, "ar_individuals": 2,
    "fc_affordability": 4, "fc_commercial": 4, "fc_cost_burden": 2,
    "ss_sustainability_model": 3, "ss_scalability": 4, "env_tco2e": -0.4, "inv_iap2": 3,
    "inv_uk_standards": "partly",
}  # fmt: skip
SECOND_VIEW = {**STRONG, "vo_effectiveness": 4, "sf_need": 3, "ar_inner_setting": 2}
DIGITAL = {**STRONG, "es_esf_tier": "b", "es_esf_standards": "partly", "vo_effectiveness": 2}
SPLIT = {**DIGITAL, "vo_effectiveness": 0, "fc_cost_burden": 5}


class Case:
    def __init__(
        self,
        slug: str,
        project: str,
        ratings: tuple[Json, Json],
        *,
        until: str,
        decision: Json | None = None,
        complexity: list[Json] | None = None,
        esf_tier: str | None = None,
    ) -> None:
        self.slug, self.project, self.ratings, self.until = slug, project, ratings, until
        self.decision, self.complexity, self.esf_tier = decision, complexity, esf_tier


CASES = [
    Case(
        "ed-streaming-g0",
        "ed-streaming",
        (STRONG, SECOND_VIEW),
        until="decided",
        decision={
            "outcome": "proceed",
            "rationale": "Clear need from ED crowding data; scope the SDEC interface next.",
            "forum": "CMDI Innovation Board",
            "minutes_ref": "IB-2026-02 item 3",
            "review_by": "2026-09-30",
        },
    ),
    Case(
        "ai-discharge-g0",
        "ai-discharge-summaries",
        (DIGITAL, DIGITAL),
        until="decided",
        esf_tier="b",
        complexity=[
            {"domain": "technology", "rating": "complex", "note": "LLM output varies by record."},
            {"domain": "adopter_system", "rating": "complicated"},
            {"domain": "wider_system", "rating": "complex", "note": "MHRA status unclear."},
            {"domain": "condition", "rating": "simple"},
        ],
        decision={
            "outcome": "proceed_with_conditions",
            "rationale": "Promising; clinical safety case must be agreed before scoping ends.",
            "forum": "CMDI Innovation Board",
            "minutes_ref": "IB-2026-02 item 5",
            "conditions": [
                {
                    "text": "DCB0129 hazard log reviewed by the CSO",
                    "owner": "clinical-safety-officer",
                    "due_date": "2026-03-31",
                },
                {
                    "text": "DPIA signed off by the Trust DPO",
                    "owner": "dpo",
                    "due_date": "2026-01-15",
                },
            ],
            "dissent": [{"member": "n.okafor", "note": "Would wait for the hazard log first."}],
        },
    ),
    Case("pharmacy-robotics-g0", "pharmacy-robotics", (DIGITAL, SPLIT), until="moderation"),
]


def _client(demo: Demo, subject: str, role: str) -> httpx.Client:
    token = issue_token(
        key=DEV_JWT_KEY, subject=subject, roles=[role], issuer=DEV_ISSUER, audience=DEV_AUDIENCE
    )
    return httpx.Client(
        base_url=str(demo.http.base_url),
        headers={"Authorization": f"Bearer {token}", "User-Agent": "cmdi-demo"},
        timeout=httpx.Timeout(15.0, connect=3.0),
        trust_env=False,
    )


def _ok(response: httpx.Response, doing: str) -> Any:
    from scripts.demo import check  # here: scripts.demo imports this module

    check(response, doing)
    return response.json() if response.content else {}


def load_templates(demo: Demo) -> dict[str, str]:
    ids = {}
    for document in DEFAULT_TEMPLATES:
        name, semver = document["name"], document["semver"]

        def lookup(name: str = name, semver: str = semver) -> Json | None:
            return demo.find("frameworks", {"name": name}, lambda f: f["semver"] == semver)

        template = demo.ensure(
            area="frameworks",
            slug=f"{name.lower().replace(' ', '-')}-{semver}",
            body=document,
            lookup=lookup,
            collection="frameworks/import",
        )
        full = _ok(demo.request("GET", f"/frameworks/{template['id']}"), f"reading {name}")
        if full["status"] == "draft" and not full["domains"]:
            # An empty draft of the same version from an older demo: fill in its definition.
            definition = {
                k: document[k] for k in ("applies_to", "gates_used", "scoring_policy", "domains")
            }
            _ok(
                demo.request("PATCH", f"/frameworks/{template['id']}", json=definition),
                f"completing {name} {semver}",
            )
        if template["status"] in ("draft", "piloting"):
            _ok(
                demo.request(
                    "POST", f"/frameworks/{template['id']}/transitions", json={"to": "active"}
                ),
                f"activating {name} {semver}",
            )
        ids[name] = str(template["id"])
    return ids


def _advance(demo: Demo, assessment: Json, to: str) -> Json:
    response = demo.request("POST", f"/assessments/{assessment['id']}/transitions", json={"to": to})
    moved: Json = _ok(response, f"moving assessment {assessment['id']} to {to}")
    return moved


def _run_case(demo: Demo, case: Case) -> None:
    project_id = demo.ids[f"projects:{case.project}"]
    found = demo.find(
        "assessments", {"project_id": project_id, "gate": "g0_triage"}, lambda a: True
    )
    outcome: Outcome = "existing"
    if found is None:
        outcome = "created"
        response = demo.request(
            "POST",
            "/assessments",
            json={
                "project_id": project_id,
                "gate": "g0_triage",
                "template_name": IIAF_NAME,
                "assessors": list(ASSESSORS),
                "panel_chair": "cmdi-demo",
                "esf_tier": case.esf_tier,
            },
            headers={"Idempotency-Key": f"{KEY}:{case.slug}"},
        )
        found = _ok(response, f"creating assessment {case.slug}")
    assessment = found
    demo._record("assessments", case.slug, outcome, assessment)  # counted in the summary
    path = f"/assessments/{assessment['id']}"
    stage = ORDER.index
    if assessment["status"] == "draft":
        assessment = _advance(demo, assessment, "open")
    if case.complexity and stage(assessment["status"]) < stage("scored"):
        _ok(demo.request("PUT", f"{path}/complexity", json={"ratings": case.complexity}), "NASSS")
    if assessment["status"] in ("open", "scoring"):
        members = _ok(demo.request("GET", f"{path}/panel"), "panel")["items"]
        panel = {m["subject"]: m for m in members}
        for subject, values in zip(ASSESSORS, case.ratings, strict=True):
            if panel[subject]["submitted_at"]:
                continue
            with _client(demo, subject, "evaluator") as assessor:
                if panel[subject]["declaration"] == "pending":
                    _ok(
                        assessor.put(f"{path}/panel/me/declaration", json={"has_conflict": False}),
                        f"{subject} declaring interests",
                    )
                for code, value in values.items():
                    _ok(
                        assessor.put(
                            f"{path}/ratings/{code}",
                            json={
                                "value": value,
                                "evidence_level": 3,
                                "rationale": "From the project's proposal and local data.",
                            },
                        ),
                        f"{subject} rating {code}",
                    )
                _ok(assessor.post(f"{path}/panel/me/submission"), f"{subject} submitting")
        if assessment["status"] == "open":
            assessment = _advance(demo, assessment, "scoring")
        assessment = _advance(demo, assessment, "moderation")
    if case.until == "moderation":
        return
    if assessment["status"] == "moderation":
        _ok(demo.request("POST", f"{path}/consensus/medians"), "consensus")
        assessment = _advance(demo, assessment, "scored")
    if assessment["status"] == "scored" and case.decision is not None:
        response = demo.request(
            "POST",
            "/decisions",
            json={"assessment_id": assessment["id"], **case.decision},
            headers={"Idempotency-Key": f"{KEY}:{case.slug}:decision"},
        )
        _ok(response, f"recording the decision on {case.slug}")


def load_frameworks(demo: Demo) -> None:
    """The shipped templates, imported and activated."""
    load_templates(demo)


def load_assessments(demo: Demo) -> None:
    """The G0 assessments and decisions (needs the projects step's ids)."""
    for case in CASES:
        _run_case(demo, case)


if __name__ == "__main__":  # pragma: no cover - run through `make demo`
    sys.exit("Run `make demo`; this module is one of its steps.")
