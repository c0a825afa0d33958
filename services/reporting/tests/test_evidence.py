"""The decision evidence pack: the evidence as it stood when the decision was recorded, a
digest that proves it unchanged, seven calls whatever the history, 404s, views and roles."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest

from services.reporting.tests.upstreams import Upstreams
from shared.testing import assert_problem

AS_OF = "2026-06-30T00:00:00Z"


def _path(decision_id: str) -> str:
    return f"/v1/reports/decisions/{decision_id}/evidence"


def _setup(upstreams: Upstreams, **decision: Any) -> tuple[str, str]:
    project_id = upstreams.add_project(
        stages=[
            {"occurred_at": "2026-01-10T09:00:00Z", "from_stage": "idea", "to_stage": "scoping"},
            {"occurred_at": "2026-02-10T09:00:00Z", "from_stage": "scoping", "to_stage": "design"},
            {
                "occurred_at": "2026-05-01T09:00:00Z",
                "from_stage": "pilot",
                "to_stage": "evaluation",
            },
        ]
    )
    decision_id = upstreams.add_decision(project_id, **decision)
    return project_id, decision_id


def _digest(body: dict[str, Any]) -> str:
    kept = {k: v for k, v in body.items() if k not in ("generated_at", "digest")}
    canonical = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def test_the_pack_as_the_evidence_stood_at_the_decision(
    reports, upstreams: Upstreams
) -> None:
    project_id, decision_id = _setup(upstreams, decided_at="2026-03-10T15:00:00Z")
    # The stage move the decision itself made comes after it, and belongs in the pack.
    upstreams.projects.answer_for(
        "GET",
        "/v1/projects/{project_id}/transitions",
        project_id,
        {
            "items": [
                {
                    "id": str(uuid.uuid4()),
                    "project_id": project_id,
                    "occurred_at": when,
                    "from_stage": a,
                    "to_stage": b,
                    "kind": kind,
                    "action": "advance",
                    "gate": gate,
                    "decision_id": decision,
                    "actor": "gov-1",
                    "reason": "",
                }
                for when, a, b, kind, gate, decision in [
                    ("2026-01-10T09:00:00Z", "idea", "scoping", "transition", None, None),
                    (
                        "2026-03-10T15:00:01Z",
                        "design",
                        "pilot",
                        "decision",
                        "g2_pilot_approval",
                        decision_id,
                    ),
                    ("2026-05-01T09:00:00Z", "pilot", "evaluation", "transition", None, None),
                ]
            ],
            "next_cursor": None,
        },
    )
    response = await reports().get(_path(decision_id), params={"as_of": AS_OF})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["decision_id"] == decision_id
    assert body["decided_at"] == "2026-03-10T15:00:00Z"
    assert body["decision"]["outcome"] == "proceed"
    assert body["assessment"]["gate"] == "g2_pilot_approval"
    assert body["project"]["id"] == project_id
    assert [s["to_stage"] for s in body["stage_history"]] == ["scoping", "pilot"]
    assert body["stage_history"][1]["decision_id"] == decision_id
    # The period ends at the decision and starts a quarter before it.
    assert body["period"] == {"from": "2025-12-09T15:00:00Z", "to": "2026-03-10T15:00:00Z"}
    # Every section read as of the decision; its own later status as of `as_of`.
    [evidence] = upstreams.assessment.calls_to(
        "GET", "/v1/aggregates/decisions/{decision_id}/evidence"
    )
    assert evidence.param("as_of") == AS_OF
    assert evidence.param("from") == "2025-12-09T15:00:00Z"
    [markers] = upstreams.projects.calls_to("GET", "/v1/projects/{project_id}/attainment")
    assert markers.param("as_of") == "2026-03-10T15:00:00Z"
    [(_, engagement)] = upstreams.stakeholders.bodies
    assert engagement == {
        "project_id": project_id,
        "as_of": "2026-03-10T15:00:00Z",
        "from": "2025-12-09T15:00:00Z",
    }
    assert body["engagement"]["as_of"] == "2026-03-10T15:00:00Z"
    assert upstreams.calls() == 6


async def test_from_sets_the_start_of_the_period(reports, upstreams: Upstreams) -> None:
    _, decision_id = _setup(upstreams)
    response = await reports().get(
        _path(decision_id), params={"as_of": AS_OF, "from": "2026-01-01T00:00:00Z"}
    )
    assert response.json()["period"]["from"] == "2026-01-01T00:00:00Z"
    [(_, engagement)] = upstreams.stakeholders.bodies
    assert engagement["from"] == "2026-01-01T00:00:00Z"


async def test_the_digest_is_the_sha256_of_the_canonical_json(
    reports, upstreams: Upstreams
) -> None:
    _, decision_id = _setup(upstreams)
    first = (await reports().get(_path(decision_id), params={"as_of": AS_OF})).json()
    assert first["digest"] == _digest(first)
    assert "generated_at" in first["digest_method"] and "sorted" in first["digest_method"]
    # Composed again later, the same pack: the same digest, though generated_at differs.
    again = (await reports().get(_path(decision_id), params={"as_of": AS_OF})).json()
    assert again["generated_at"] != first["generated_at"] or again == first
    assert again["digest"] == first["digest"]
    # Any change to the evidence changes it.
    upstreams.assessment.answer_for(
        "GET",
        "/v1/aggregates/decisions/{decision_id}/evidence",
        decision_id,
        upstreams.assessment.example("GET", "/v1/aggregates/decisions/{decision_id}/evidence")
        | {"definitions": {"x": "changed"}},
    )
    changed = (await reports().get(_path(decision_id), params={"as_of": AS_OF})).json()
    assert changed["digest"] == _digest(changed) != first["digest"]


async def test_an_unknown_decision_is_404(reports, upstreams: Upstreams) -> None:
    _setup(upstreams)
    response = await reports().get(_path(str(uuid.uuid4())))
    assert_problem(response, 404, "decision-not-found")
    assert upstreams.calls() == 1


async def test_a_decision_recorded_after_as_of_is_404(reports, upstreams: Upstreams) -> None:
    _, decision_id = _setup(upstreams, decided_at="2026-03-10T15:00:00Z")
    response = await reports().get(_path(decision_id), params={"as_of": "2026-03-01T00:00:00Z"})
    assert_problem(response, 404, "decision-not-found")


async def test_a_malformed_id_is_404(reports, upstreams: Upstreams) -> None:
    response = await reports().get(_path("not-a-uuid"))
    assert_problem(response, 404)
    assert upstreams.calls() == 0


@pytest.mark.parametrize("role", ["reporter", "viewer"])
async def test_reporters_get_the_aggregate_view(reports, upstreams: Upstreams, role: str) -> None:
    _, decision_id = _setup(upstreams)
    response = await reports(role).get(_path(decision_id), params={"as_of": AS_OF})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["view"] == "aggregate"
    assert body["stage_history"] and all(s["actor"] is None for s in body["stage_history"])


async def test_governance_sees_who_moved_the_stage(reports, upstreams: Upstreams) -> None:
    _, decision_id = _setup(upstreams)
    body = (await reports().get(_path(decision_id), params={"as_of": AS_OF})).json()
    assert body["view"] == "full"
    assert {s["actor"] for s in body["stage_history"]} == {"gov-1"}


@pytest.mark.parametrize("role", ["contributor", "evaluator"])
async def test_team_roles_may_not_read_packs(reports, upstreams: Upstreams, role: str) -> None:
    _, decision_id = _setup(upstreams)
    assert_problem(await reports(role).get(_path(decision_id)), 403, "report-forbidden")
    assert upstreams.calls() == 0


async def test_the_assessment_service_down(reports, upstreams: Upstreams) -> None:
    _, decision_id = _setup(upstreams)
    upstreams.assessment.reachable = False
    body = assert_problem(await reports().get(_path(decision_id)), 503, "upstream-unavailable")
    assert body["service"] == "assessment"
    partial = await reports().get(_path(decision_id), params={"partial": "true"})
    assert partial.status_code == 200, partial.text
    missing = partial.json()["missing_sections"]
    assert {m["section"] for m in missing} == {
        "decision",
        "assessment",
        "developmental_evaluation",
        "project",
        "stage_history",
        "outcome_markers",
        "engagement",
    }
    assert partial.json()["digest"] == _digest(partial.json())


async def test_the_stakeholders_service_down_with_partial(reports, upstreams: Upstreams) -> None:
    _, decision_id = _setup(upstreams)
    upstreams.stakeholders.failing = 500
    body = (
        await reports().get(_path(decision_id), params={"partial": "true", "as_of": AS_OF})
    ).json()
    assert body["missing_sections"] == [
        {
            "section": "engagement",
            "service": "stakeholders",
            "reason": body["missing_sections"][0]["reason"],
        }
    ]
    assert body["engagement"] is None and body["decision"] is not None
