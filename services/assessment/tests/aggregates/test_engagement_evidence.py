"""Engagement evidence at the gate (#14 item 5): opening an assessment snapshots the project's
engagement evidence from the stakeholders service (dated, attached to the criteria that ask for
it; missing, never a 500, when that service cannot answer), and a template's
`engagement_rules` are gates the scoring engine checks against the snapshot."""

from __future__ import annotations

import copy
from typing import Any

from shared.testing import FakeStakeholders

from .conftest import TEMPLATE, Build, at

RULE = {"gate": "g2_pilot_approval", "rule": "public_contributor_at_least", "level": "involve"}


def template(*rules: dict[str, Any]) -> dict[str, Any]:
    """The aggregates template, its likert criterion asking for the engagement evidence."""
    document = copy.deepcopy(TEMPLATE)
    document["name"] = "Engagement rules test"
    document["domains"][0]["criteria"][1]["evidence"] = ["engagement"]
    document["engagement_rules"] = list(rules)
    return document


async def test_opening_snapshots_the_engagement_evidence(
    build: Build, stakeholders: FakeStakeholders
) -> None:
    build.now(at("2026-03-01T10:00"))
    project = build.project()
    stakeholders.set_engagement(
        project,
        highest_level="collaborate",
        assessed=6,
        feedback={
            "items": 4,
            "responded": 3,
            "closed": 2,
            "closure_rate": 0.5,
            "median_days_to_response": 2.0,
        },
    )
    template_id = await build.template(template())
    opened = await build.call(
        "POST",
        "/v1/assessments",
        json={
            "project_id": project,
            "gate": "g0_triage",
            "template_id": template_id,
            "assessors": ["alice", "bob"],
            "panel_chair": "gov-1",
        },
    )
    snapshot = opened["engagement_evidence"]
    assert snapshot["status"] == "captured"
    assert snapshot["captured_at"].startswith("2026-03-01T10:00")
    assert snapshot["attached_to"] == ["likert"]
    assert snapshot["evidence"]["public_contributors"] == {
        "assessed": 6,
        "highest_level": "collaborate",
    }
    assert snapshot["evidence"]["feedback"]["closure_rate"] == 0.5
    assert "definitions" not in snapshot["evidence"]
    # Without a previous assessment the period is the project's whole history.
    assert stakeholders.engagement_requests[-1] == {"project_id": project}
    # The snapshot is the assessment's own record: a later change upstream does not move it.
    stakeholders.set_engagement(project, highest_level="inform")
    read = await build.call("GET", f"/v1/assessments/{opened['id']}")
    assert read["engagement_evidence"] == snapshot


async def test_the_period_starts_at_the_previous_assessment(
    build: Build, stakeholders: FakeStakeholders
) -> None:
    build.now(at("2026-03-01T10:00"))
    project = build.project()
    first = await build.scored(project)
    await build.call(
        "POST", "/v1/decisions",
        json={"assessment_id": first["id"], "outcome": "proceed", "forum": "Board"},
    )  # fmt: skip
    build.projects.records[__import__("uuid").UUID(project)]["stage"] = "scoping"
    await build.call(
        "POST",
        "/v1/assessments",
        json={
            "project_id": project,
            "gate": "g1_scoping",
            "template_id": await build.template(),
            "assessors": ["alice"],
            "panel_chair": "gov-1",
            "previous_assessment_id": first["id"],
        },
    )
    asked = stakeholders.engagement_requests[-1]
    assert asked["project_id"] == project
    assert asked["from"] == first["created_at"].replace("+00:00", "Z")


async def test_stakeholders_down_still_opens_with_the_snapshot_missing(
    build: Build, stakeholders: FakeStakeholders
) -> None:
    project = build.project()
    stakeholders.reachable = False
    opened = await build.call(
        "POST",
        "/v1/assessments",
        json={
            "project_id": project,
            "gate": "g0_triage",
            "template_id": await build.template(),
            "assessors": ["alice"],
            "panel_chair": "gov-1",
        },
    )
    snapshot = opened["engagement_evidence"]
    assert snapshot["status"] == "missing"
    assert "could not be reached" in snapshot["reason"]
    assert "evidence" not in snapshot


async def test_a_failing_stakeholders_service_is_missing_evidence_too(
    build: Build, stakeholders: FakeStakeholders
) -> None:
    project = build.project()
    stakeholders.failing = 403
    opened = await build.call(
        "POST",
        "/v1/assessments",
        json={
            "project_id": project,
            "gate": "g0_triage",
            "template_id": await build.template(),
            "assessors": ["alice"],
            "panel_chair": "gov-1",
        },
    )
    assert opened["engagement_evidence"]["status"] == "missing"
    assert opened["engagement_evidence"]["reason"] == "The stakeholders service answered 403."


async def _rule_results(
    build: Build, scored: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    result = await build.call("GET", f"/v1/assessments/{scored['id']}/result")
    assert result["engagement_evidence"]["status"] in ("captured", "missing")
    return result["score"]["engagement_rules"], result["score"]["failed_gates"]


async def test_g2_passes_with_a_public_contributor_at_involve(
    build: Build, stakeholders: FakeStakeholders
) -> None:
    project = build.project()
    stakeholders.set_engagement(project, highest_level="involve", assessed=1)
    scored = await build.scored(
        project, gate="g2_pilot_approval", template_id=await build.template(template(RULE))
    )
    rules, failed = await _rule_results(build, scored)
    assert rules == [
        {
            "rule": "engagement:public_contributor_at_least:involve",
            "level": "involve",
            "found": "involve",
            "passed": True,
            "reason": "a public contributor is at involve (needs involve)",
        }
    ]
    assert failed == []
    assert scored["recommendation"] == "proceed"


async def test_g2_fails_the_rule_below_involve(
    build: Build, stakeholders: FakeStakeholders
) -> None:
    """The same agreed ratings (overall 0.875) but the best contributor only consulted: the
    failed rule is a failed gate, so the score reaches only `adapt`."""
    project = build.project()
    stakeholders.set_engagement(project, highest_level="consult", assessed=2)
    scored = await build.scored(
        project, gate="g2_pilot_approval", template_id=await build.template(template(RULE))
    )
    rules, failed = await _rule_results(build, scored)
    assert [r["passed"] for r in rules] == [False]
    assert failed == [
        {
            "criterion": "engagement:public_contributor_at_least:involve",
            "reason": "the highest public contributor level is consult; needs involve",
        }
    ]
    assert scored["recommendation"] == "adapt"


async def test_the_rule_fails_when_the_snapshot_is_missing_or_has_no_contributor(
    build: Build, stakeholders: FakeStakeholders
) -> None:
    template_id = await build.template(template(RULE))
    none = build.project()
    scored = await build.scored(none, gate="g2_pilot_approval", template_id=template_id)
    assert (await _rule_results(build, scored))[1][0]["reason"] == (
        "no public contributor is assessed on the project; needs involve"
    )
    down = build.project()
    stakeholders.reachable = False
    try:
        scored = await build.scored(down, gate="g2_pilot_approval", template_id=template_id)
    finally:
        stakeholders.reachable = True
    reason = (await _rule_results(build, scored))[1][0]["reason"]
    assert reason.startswith("engagement evidence missing (")


async def test_a_rule_of_another_gate_is_not_checked(
    build: Build, stakeholders: FakeStakeholders
) -> None:
    project = build.project()
    scored = await build.scored(
        project, gate="g0_triage", template_id=await build.template(template(RULE))
    )
    assert (await _rule_results(build, scored)) == ([], [])
    assert scored["recommendation"] == "proceed"


async def test_a_rule_at_a_gate_the_template_does_not_serve_is_refused(build: Build) -> None:
    document = template({**RULE, "gate": "g4_scale_or_adopt"})
    document["gates_used"] = ["g0_triage", "g2_pilot_approval"]
    async with build.as_("gov-1", "governance") as client:
        response = await client.post("/v1/frameworks/import", json=document)
    assert response.status_code == 422, response.text
    pointers = [e["pointer"] for e in response.json()["errors"]]
    assert "/engagement_rules/0/gate" in pointers
