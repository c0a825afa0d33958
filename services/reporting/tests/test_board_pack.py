"""The board pack: a meeting's decisions (or the period's), the assessments awaiting a decision
and the overdue conditions, narrowed by the filters, in a constant number of calls."""

from __future__ import annotations

import uuid

import pytest

from services.reporting.tests.upstreams import Upstreams
from shared.testing import assert_problem

PACK = "/v1/reports/board-pack"
AS_OF = "2026-06-30T00:00:00Z"


def _meeting(upstreams: Upstreams) -> dict[str, str]:
    a = upstreams.add_project(title="Virtual ward")
    b = upstreams.add_project(title="Frailty pathway", directorate="Surgery")
    ids = {"a": a, "b": b}
    ids["d1"] = upstreams.add_decision(
        a, meeting_date="2026-03-10", decided_at="2026-03-10T15:00:00Z"
    )
    ids["d2"] = upstreams.add_decision(
        b,
        meeting_date="2026-03-10",
        decided_at="2026-03-10T16:00:00Z",
        outcome="stop",
        computed_recommendation="proceed",
        overridden=True,
    )
    ids["d3"] = upstreams.add_decision(
        a, meeting_date="2026-01-12", decided_at="2026-01-12T15:00:00Z"
    )
    ids["s1"] = upstreams.add_assessment(
        b, overall_score=0.62, confidence="medium", recommendation="adapt"
    )
    ids["c1"] = upstreams.add_condition(a, ids["d1"], due_date="2026-06-01")
    upstreams.aggregates(governance={"conditions": {"open": 3, "past_due": 1}})
    upstreams.forget_calls()
    return ids


async def test_a_meetings_pack(reports, upstreams: Upstreams) -> None:
    ids = _meeting(upstreams)
    response = await reports().get(
        PACK, params={"forum": "Innovation board", "meeting_date": "2026-03-10", "as_of": AS_OF}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["meeting"] == {"forum": "Innovation board", "meeting_date": "2026-03-10"}
    assert [d["decision_id"] for d in body["decisions"]] == [ids["d2"], ids["d1"]]
    stop = body["decisions"][0]
    assert stop["project"] == {
        "id": ids["b"],
        "reference": "CMDI-2026-002",
        "title": "Frailty pathway",
    }
    assert stop["outcome"] == "stop" and stop["followed_recommendation"] is False
    assert stop["decided_by"] == "chair-1"
    assert stop["evidence_pack"] == f"/api/v1/reports/decisions/{ids['d2']}/evidence"
    [awaiting] = body["awaiting_decision"]
    assert awaiting["assessment_id"] == ids["s1"] and awaiting["overall_score"] == 0.62
    conditions = body["conditions"]
    assert (conditions["open"], conditions["past_due"]) == (3, 1)
    [overdue] = conditions["overdue"]
    assert overdue["condition_id"] == ids["c1"] and overdue["days_overdue"] == 29
    assert overdue["owner"] == "lead-1" and overdue["text"]
    [decisions] = upstreams.assessment.calls_to("GET", "/v1/decisions")
    assert decisions.param("forum") == "Innovation board"
    assert decisions.param("meeting_date") == "2026-03-10"
    [conditions_call] = upstreams.assessment.calls_to("GET", "/v1/decisions/conditions")
    assert (
        conditions_call.param("overdue") == "true"
        and conditions_call.param("as_of") == "2026-06-30"
    )
    # decisions, awaiting, conditions, governance counts, project names.
    assert upstreams.calls() == 5


async def test_without_a_meeting_date_the_period_decides(reports, upstreams: Upstreams) -> None:
    ids = _meeting(upstreams)
    response = await reports().get(
        PACK, params={"from": "2026-01-01T00:00:00Z", "to": "2026-02-01T00:00:00Z", "as_of": AS_OF}
    )
    body = response.json()
    assert [d["decision_id"] for d in body["decisions"]] == [ids["d3"]]
    assert body["meeting"] == {"forum": None, "meeting_date": None}


async def test_filters_narrow_every_section(reports, upstreams: Upstreams) -> None:
    ids = _meeting(upstreams)
    upstreams.aggregates(
        projects={"project_ids": [ids["a"]], "projects": 1},
        governance={"conditions": {"open": 1, "past_due": 1}},
    )
    response = await reports().get(
        PACK, params={"meeting_date": "2026-03-10", "directorate": "Medicine", "as_of": AS_OF}
    )
    body = response.json()
    assert [d["decision_id"] for d in body["decisions"]] == [ids["d1"]]
    assert body["awaiting_decision"] == []
    assert [c["condition_id"] for c in body["conditions"]["overdue"]] == [ids["c1"]]
    [(_, governance)] = upstreams.assessment.bodies
    assert governance["project_ids"] == [ids["a"]]
    assert upstreams.calls() == 6


@pytest.mark.parametrize("role", ["reporter", "viewer"])
async def test_reporters_see_no_names_nor_condition_texts(
    reports, upstreams: Upstreams, role: str
) -> None:
    _meeting(upstreams)
    body = (
        await reports(role).get(PACK, params={"meeting_date": "2026-03-10", "as_of": AS_OF})
    ).json()
    assert body["view"] == "aggregate"
    assert {d["decided_by"] for d in body["decisions"]} == {None}
    assert {(c["owner"], c["text"]) for c in body["conditions"]["overdue"]} == {(None, None)}


@pytest.mark.parametrize("role", ["contributor", "evaluator"])
async def test_team_roles_may_not_read_it(reports, upstreams: Upstreams, role: str) -> None:
    assert_problem(await reports(role).get(PACK), 403, "report-forbidden")


async def test_assessment_down(reports, upstreams: Upstreams) -> None:
    _meeting(upstreams)
    upstreams.assessment.reachable = False
    body = assert_problem(await reports().get(PACK), 503, "upstream-unavailable")
    assert body["service"] == "assessment"
    partial = (await reports().get(PACK, params={"partial": "true"})).json()
    assert {m["section"] for m in partial["missing_sections"]} == {
        "decisions",
        "awaiting_decision",
        "conditions",
    }
    assert partial["decisions"] is None


async def test_the_meeting_date_is_a_date(reports, upstreams: Upstreams) -> None:
    response = await reports().get(PACK, params={"meeting_date": "10/03/2026"})
    body = assert_problem(response, 422)
    assert [e["pointer"] for e in body["errors"]] == ["/meeting_date"]


async def test_names_for_projects_the_registry_does_not_know(reports, upstreams: Upstreams) -> None:
    ids = _meeting(upstreams)
    stranger = str(uuid.uuid4())
    upstreams.add_decision(stranger, meeting_date="2026-03-10", decided_at="2026-03-10T17:00:00Z")
    body = (await reports().get(PACK, params={"meeting_date": "2026-03-10", "as_of": AS_OF})).json()
    assert body["decisions"][0]["project"] == {"id": stranger, "reference": None, "title": None}
    assert len(body["decisions"]) == 3 and ids
