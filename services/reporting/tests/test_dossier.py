"""The project dossier: one project's whole story as of `as_of`, in a constant number of calls,
for governance in full, for reporters without who, for the project's own team, and for nobody
else."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.reporting.tests.upstreams import Upstreams
from shared.testing import assert_problem

AS_OF = "2026-06-30T00:00:00Z"


def _path(project_id: str) -> str:
    return f"/v1/reports/projects/{project_id}/dossier"


def _story(upstreams: Upstreams) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    project_id = upstreams.add_project(
        team=[
            {
                "subject": "alice",
                "display_name": "Alice",
                "role": "project_lead",
                "start_date": "2026-01-05",
            },
            {
                "subject": "bob",
                "display_name": "Bob",
                "role": "analyst",
                "start_date": "2026-01-05",
                "end_date": "2026-04-30",
            },
            {
                "subject": "carol",
                "display_name": "Carol",
                "role": "evaluator",
                "start_date": "2026-09-01",
            },
        ],
    )
    ids["project"] = project_id
    ids["g2"] = upstreams.add_decision(project_id, decided_at="2026-03-10T15:00:00Z")
    ids["late"] = upstreams.add_decision(
        project_id, gate="g3_post_pilot_review", decided_at="2026-09-10T15:00:00Z"
    )
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
                        ids["g2"],
                    ),
                    (
                        "2026-09-10T15:00:01Z",
                        "pilot",
                        "evaluation",
                        "decision",
                        "g3_post_pilot_review",
                        ids["late"],
                    ),
                ]
            ],
            "next_cursor": None,
        },
    )
    ids["assessment"] = upstreams.add_assessment(
        project_id, status="decided", overall_score=0.7, scored_at="2026-03-01T10:00:00Z"
    )
    upstreams.add_assessment(project_id, created_at="2026-08-01T10:00:00Z")
    ids["evaluation"] = upstreams.add_evaluation(
        project_id,
        items=[
            {"kind": "finding", "occurred_at": "2026-02-15T10:00:00Z"},
            {"kind": "adaptation", "occurred_at": "2026-04-15T10:00:00Z", "pivot": True},
        ],
        start_date="2026-01-15",
    )
    upstreams.forget_calls()
    return ids


async def test_the_whole_story(reports, upstreams: Upstreams) -> None:
    ids = _story(upstreams)
    response = await reports().get(_path(ids["project"]), params={"as_of": AS_OF})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["view"] == "full"
    assert body["project"]["id"] == ids["project"] and body["project"]["title"] == "Virtual ward"
    team = body["team"]
    assert team["active"] == 1  # bob left on 30 April; carol joins in September
    assert team["by_role"] == [{"key": "project_lead", "count": 1}]
    # By start date, then role.
    assert [(m["subject"], m["role"], m["end_date"]) for m in team["members"]] == [
        ("bob", "analyst", "2026-04-30"),
        ("alice", "project_lead", None),
    ]
    history = body["stage_history"]
    assert [c["to_stage"] for c in history] == ["scoping", "pilot"]
    assert history[1]["decision"]["decision_id"] == ids["g2"]
    assert history[1]["decision"]["evidence_pack"].endswith(f"/decisions/{ids['g2']}/evidence")
    assert [d["decision_id"] for d in body["decisions"]] == [ids["g2"]]
    assert [a["assessment_id"] for a in body["assessments"]] == [ids["assessment"]]
    evaluation = body["evaluation"]
    assert evaluation["evaluation_id"] == ids["evaluation"] and evaluation["pivots"] == 1
    assert [i["kind"] for i in evaluation["items"]] == ["finding", "adaptation"]
    for section in (
        "attainment",
        "strategy_coverage",
        "practice_profile",
        "adoption_tracker",
        "engagement",
    ):
        assert body[section]["project_id"] == ids["project"], section
    assert body["benefits"] == []
    [timeline] = upstreams.assessment.calls_to(
        "GET", "/v1/evaluation/evaluations/{evaluation_id}/timeline"
    )
    assert timeline.param("as_of") == AS_OF
    for template in (
        "/v1/aggregates/projects/{project_id}/attainment",
        "/v1/projects/{project_id}/strategy-coverage",
        "/v1/projects/{project_id}/practice-profile",
    ):
        [call] = upstreams.projects.calls_to("GET", template)
        assert call.param("as_of") == AS_OF, template
    [(_, engagement)] = upstreams.stakeholders.bodies
    assert engagement["as_of"] == AS_OF and engagement["project_id"] == ids["project"]
    assert "report.dossier.as_of" in body["definitions"]
    assert upstreams.calls() == 13


async def test_calls_do_not_grow_with_the_history(reports, upstreams: Upstreams) -> None:
    ids = _story(upstreams)
    for _ in range(30):
        upstreams.add_decision(ids["project"], decided_at="2026-04-01T10:00:00Z")
    upstreams.forget_calls()
    response = await reports().get(_path(ids["project"]), params={"as_of": AS_OF})
    assert len(response.json()["decisions"]) == 31
    assert upstreams.calls() == 13


@pytest.mark.parametrize("role", ["reporter", "viewer"])
async def test_reporters_see_no_one(reports, upstreams: Upstreams, role: str) -> None:
    ids = _story(upstreams)
    body = (await reports(role).get(_path(ids["project"]), params={"as_of": AS_OF})).json()
    assert body["view"] == "aggregate"
    assert {(m["subject"], m["display_name"]) for m in body["team"]["members"]} == {(None, None)}
    assert body["team"]["active"] == 1


@pytest.mark.parametrize("role", ["contributor", "evaluator"])
async def test_the_team_reads_its_own_dossier(reports, upstreams: Upstreams, role: str) -> None:
    ids = _story(upstreams)
    body = (
        await reports(role, sub="alice").get(_path(ids["project"]), params={"as_of": AS_OF})
    ).json()
    assert body["view"] == "full"
    [check] = upstreams.projects.calls_to("GET", "/v1/projects/{project_id}/team")[:1]
    assert check.param("subject") == "alice" and check.param("active") == "true"
    assert upstreams.calls() == 14


@pytest.mark.parametrize("subject", ["bob", "dave"])
async def test_anyone_else_on_a_team_role_is_refused(
    reports, upstreams: Upstreams, subject: str
) -> None:
    ids = _story(upstreams)
    response = await reports("contributor", sub=subject).get(_path(ids["project"]))
    assert_problem(response, 403, "report-forbidden")
    assert upstreams.calls() == 1


async def test_an_unknown_project_is_404(reports, upstreams: Upstreams) -> None:
    _story(upstreams)
    assert_problem(await reports().get(_path(str(uuid.uuid4()))), 404, "project-not-found")
    response = await reports("contributor", sub="alice").get(_path(str(uuid.uuid4())))
    assert_problem(response, 404, "project-not-found")


@pytest.mark.parametrize(
    ("filters", "found"),
    [
        ({"directorate": "Medicine"}, True),
        ({"directorate": "Surgery"}, False),
        ({"stage": "pilot", "as_of": "2026-06-30T00:00:00Z"}, True),
        ({"stage": "scoping", "as_of": "2026-02-01T00:00:00Z"}, True),
        ({"stage": "pilot", "as_of": "2026-02-01T00:00:00Z"}, False),
        ({"innovation_type": "medical_device"}, False),
    ],
)
async def test_filters_select_the_project_or_not(
    reports, upstreams: Upstreams, filters: dict[str, str], found: bool
) -> None:
    ids = _story(upstreams)
    response = await reports().get(_path(ids["project"]), params=filters)
    if found:
        assert response.status_code == 200, response.text
        assert response.json()["filters"]["directorate"] == filters.get("directorate")
    else:
        assert_problem(response, 404, "project-not-found")


async def test_one_service_down(reports, upstreams: Upstreams) -> None:
    ids = _story(upstreams)
    upstreams.stakeholders.reachable = False
    body = assert_problem(await reports().get(_path(ids["project"])), 503, "upstream-unavailable")
    assert body["service"] == "stakeholders" and body["sections"] == ["engagement"]
    partial = (await reports().get(_path(ids["project"]), params={"partial": "true"})).json()
    assert [m["section"] for m in partial["missing_sections"]] == ["engagement"]
    assert partial["engagement"] is None and partial["team"] is not None


async def test_the_assessment_service_down_with_partial(reports, upstreams: Upstreams) -> None:
    ids = _story(upstreams)
    upstreams.assessment.failing = 500
    partial = (await reports().get(_path(ids["project"]), params={"partial": "true"})).json()
    assert {m["section"] for m in partial["missing_sections"]} == {
        "decisions",
        "assessments",
        "evaluation",
    }
    assert partial["evaluation"] is None
    # The gate moves stay, without the decisions the assessment service would have given.
    assert partial["stage_history"][1]["decision"] is None
