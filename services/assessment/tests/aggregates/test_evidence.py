"""`GET /v1/aggregates/decisions/{id}/evidence`: the assessment side of a decision's evidence
pack, as it stood when the decision was recorded (later changes as of `as_of`), without names
for reporter and viewer; bad input.

The story (2026): project P has an evaluation from 2 Jan; a log entry on 5 Jan; its g0 decision
on 10 Jan; then a log entry flagged personal (1 Feb), a finding (10 Feb), theory of change v1
(12 Feb), a pivot (20 Feb) and a log entry observed 25 Feb but recorded only on 15 Mar. Its g1
assessment (alice and bob rate ordinal 4, carl 0; all rate likert 5) is decided on 1 Mar:
`proceed_with_conditions` against the `proceed` recommendation, one condition due 20 Mar, a
dissent. Then theory of change v2 (5 Mar), the condition met (1 Apr), and a correction to
`proceed` (10 Apr).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from shared.testing import assert_problem

from .conftest import TEMPLATE, Build, at, iso

RATINGS = {
    "alice": {"ordinal": 4, "likert": 5},
    "bob": {"ordinal": 4, "likert": 5},
    "carl": {"ordinal": 0, "likert": 5},
}


async def story(build: Build, *, later: bool = True) -> dict[str, Any]:
    project = build.project()
    build.now(at("2026-01-02T09:00"))
    evaluation = await build.evaluation(project, start="2026-01-01")

    async def log(observed: str, recorded: str, summary: str, personal: bool = False) -> Any:
        build.now(at(recorded))
        return await build.record(
            evaluation,
            "log",
            {
                "observed_at": iso(at(observed)),
                "source": "interview",
                "summary": summary,
                "contains_personal_data": personal,
            },
        )

    l0 = await log("2026-01-05T10:00", "2026-01-05T11:00", "Before the g0 decision.")
    d0 = await build.decision_at(project, "proceed", at("2026-01-10T10:00"))
    l1 = await log(
        "2026-02-01T10:00", "2026-02-01T11:00", "Ward sister Jane Doe: evenings thin.", True
    )
    build.now(at("2026-02-10T11:00"))
    f1 = await build.record(
        evaluation,
        "findings",
        {
            "statement": "Escalations cluster after 18:00.",
            "confidence": "medium",
            "first_seen_at": iso(at("2026-02-10T10:00")),
        },
    )
    build.now(at("2026-02-12T10:00"))
    toc1 = await build.record(
        evaluation,
        "theory-of-change",
        {"narrative": "v1", "assumptions": [{"text": "Kit works", "status": "holding"}]},
    )
    build.now(at("2026-02-20T11:00"))
    pivot = await build.pivot(evaluation, at("2026-02-20T10:00"))
    l2 = await log("2026-02-25T10:00", "2026-03-15T10:00", "Recorded after the decision.")
    build.now(at("2026-02-27T10:00"))
    assessment = await build.scored(project, gate="g1_scoping", ratings=RATINGS)
    decision = await build.decide(
        assessment,
        "proceed_with_conditions",
        at("2026-03-01T10:00"),
        conditions=[{"text": "Agree the DPIA", "owner": "ig-lead", "due_date": "2026-03-20"}],
        dissent=[{"member": "dr-carol", "note": "Too early to commit."}],
        meeting_date="2026-02-28",
        minutes_ref="IB-2026-03 item 2",
    )
    build.now(at("2026-03-05T10:00"))
    await build.record(evaluation, "theory-of-change", {"narrative": "v2", "assumptions": []})
    result = {
        "project": project,
        "evaluation": evaluation,
        "assessment": assessment,
        "decision": decision,
        "d0": d0,
        "ids": {"l0": l0["id"], "l1": l1["id"], "f1": f1["id"], "toc1": toc1["id"]},
        "pivot": pivot["id"],
        "l2": l2["id"],
    }
    if later:
        result["correction"] = await happen_later(build, result)
    build.now(at("2026-06-01T00:00"))
    return result


async def happen_later(build: Build, built: dict[str, Any]) -> dict[str, Any]:
    await build.close_condition(built["decision"], 0, "met", at("2026-04-01T10:00"))
    return await build.decide(
        built["assessment"],
        "proceed",
        at("2026-04-10T10:00"),
        supersedes_id=built["decision"]["id"],
    )


async def pack(client: httpx.AsyncClient, decision_id: str, **params: str) -> dict[str, Any]:
    response = await client.get(f"/v1/aggregates/decisions/{decision_id}/evidence", params=params)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
async def built(build: Build) -> dict[str, Any]:
    return await story(build)


class TestThePack:
    async def test_the_decision(self, client: httpx.AsyncClient, built: dict[str, Any]) -> None:
        result = await pack(client, built["decision"]["id"])
        assert result["as_of"] == "2026-06-01T00:00:00Z"
        decision = result["decision"]
        assert decision["outcome"] == "proceed_with_conditions"
        assert decision["computed_recommendation"] == "proceed"
        assert decision["followed_recommendation"] is False
        assert decision["rationale"] == "The board weighed the context differently."
        assert decision["meeting_date"] == "2026-02-28"
        assert decision["minutes_ref"] == "IB-2026-03 item 2"
        assert decision["decided_by"] == "gov-1"
        assert decision["decided_at"] == "2026-03-01T10:00:00Z"
        assert decision["dissent"] == [{"member": "dr-carol", "note": "Too early to commit."}]
        assert decision["status"] == "superseded"
        assert decision["superseded_by"]["id"] == built["correction"]["id"]
        assert decision["superseded_by"]["outcome"] == "proceed"
        assert decision["supersedes"] is None
        [condition] = decision["conditions"]
        assert condition["owner"] == "ig-lead"
        assert (condition["status"], condition["past_due"]) == ("met", False)
        correction = await pack(client, built["correction"]["id"])
        assert correction["decision"]["supersedes"]["id"] == built["decision"]["id"]
        assert correction["decision"]["followed_recommendation"] is True
        assert correction["decision"]["status"] == "recorded"

    async def test_the_assessment(self, client: httpx.AsyncClient, built: dict[str, Any]) -> None:
        assessment = (await pack(client, built["decision"]["id"]))["assessment"]
        assert assessment["id"] == built["assessment"]["id"]
        assert assessment["gate"] == "g1_scoping"
        assert assessment["template"]["name"] == "Aggregates test"
        assert assessment["template"]["version"] == "1.2.0"
        assert assessment["template"]["status_when_scored"] == "active"
        assert assessment["panel_chair"] == "gov-1"
        assert assessment["assessors"] == ["alice", "bob", "carl"]
        # Consensus: ordinal median 4 (s=1), likert 5 (s=1): overall 1.0; carl's own 0.5.
        assert assessment["overall"] == 1.0
        assert (assessment["range_min"], assessment["range_max"]) == (0.5, 1.0)
        assert assessment["assessor_overall"] == {"alice": 1.0, "bob": 1.0, "carl": 0.5}
        # Coverage 1; evidence level 4 -> 0.75; agreement 1 - mean(1.0, 0.0) = 0.5.
        assert assessment["confidence"] == {
            "coverage": 1.0,
            "evidence": 0.75,
            "agreement": 0.5,
            "level": "medium",
        }
        assert assessment["recommendation"] == "proceed"
        assert assessment["failed_gates"] == []
        criteria = {c["code"]: c for c in assessment["criteria"]}
        ordinal = criteria["ordinal"]
        assert (ordinal["consensus"], ordinal["median"]) == (4, 4)
        assert ordinal["consensus_method"] == "median"
        assert (ordinal["spread"], ordinal["high_spread"]) == (1.0, True)
        assert ordinal["outliers"] == ["carl"]
        assert ordinal["normalised"] == 1.0
        assert [(r["assessor"], r["value"], r["rationale"]) for r in ordinal["ratings"]] == [
            ("alice", 4, "alice on ordinal"),
            ("bob", 4, "bob on ordinal"),
            ("carl", 0, "carl on ordinal"),
        ]
        likert = criteria["likert"]
        assert (likert["spread"], likert["outliers"], likert["high_spread"]) == (0.0, [], False)
        assert [d["code"] for d in assessment["domains"]] == ["core"]

    async def test_the_learning_before_the_decision(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        evaluation = (await pack(client, built["decision"]["id"]))["evaluation"]
        assert evaluation["evaluation_id"] == built["evaluation"]
        # Since the project's previous decision (g0, 10 Jan) up to this one.
        assert evaluation["from"] == built["d0"]["decided_at"]
        assert evaluation["to"] == "2026-03-01T10:00:00Z"
        ids = built["ids"]
        assert [(i["kind"], i["id"]) for i in evaluation["items"]] == [
            ("log_entry", ids["l1"]),
            ("finding", ids["f1"]),
            ("theory_of_change", ids["toc1"]),
            ("adaptation", built["pivot"]),
        ]
        assert [i["pivot"] for i in evaluation["items"]] == [False, False, False, True]
        assert evaluation["items"][0]["text"] == "Ward sister Jane Doe: evenings thin."
        assert evaluation["pivots"] == 1
        assert evaluation["truncated"] is False
        # v2 came after the decision.
        assert evaluation["theory_of_change"]["number"] == 1
        assert evaluation["theory_of_change"]["narrative"] == "v1"

    async def test_a_chosen_learning_period(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        evaluation = (
            await pack(client, built["decision"]["id"], **{"from": "2026-01-01T00:00:00Z"})
        )["evaluation"]
        assert evaluation["items"][0]["id"] == built["ids"]["l0"]
        assert built["l2"] not in [i["id"] for i in evaluation["items"]]

    async def test_the_first_decision_reads_the_whole_trail(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        evaluation = (await pack(client, built["d0"]["id"]))["evaluation"]
        assert evaluation["from"] is None
        assert [i["id"] for i in evaluation["items"]] == [built["ids"]["l0"]]
        assert evaluation["theory_of_change"] is None

    async def test_failed_gates(self, build: Build, client: httpx.AsyncClient) -> None:
        gated = {
            **TEMPLATE,
            "name": "Gated",
            "domains": [
                {
                    **TEMPLATE["domains"][0],
                    "criteria": [
                        *TEMPLATE["domains"][0]["criteria"],
                        {
                            "code": "safety",
                            "question": "?",
                            "scale": "pass_fail",
                            "weight": 0,
                            "is_gate": True,
                            "gate_rule": "must_equal:pass",
                        },
                    ],
                }
            ],
        }
        build.now(at("2026-02-01T09:00"))
        template_id = await build.template(gated)
        ratings = {
            "alice": {"ordinal": 4, "likert": 5, "safety": "fail"},
            "bob": {"ordinal": 3, "likert": 5, "safety": "fail"},
        }
        assessment = await build.scored(build.project(), ratings=ratings, template_id=template_id)
        decision = await build.decide(assessment, "adapt", at("2026-02-01T10:00"))
        build.now(at("2026-03-01T00:00"))
        result = (await pack(client, decision["id"]))["assessment"]
        assert result["template"] == {
            "id": template_id,
            "name": "Gated",
            "version": "1.2.0",
            "status_when_scored": "active",
        }
        assert result["failed_gates"] == [
            {"criterion": "safety", "reason": "fail does not satisfy must_equal:pass"}
        ]
        assert result["recommendation"] == "adapt"
        safety = next(c for c in result["criteria"] if c["code"] == "safety")
        assert (safety["is_gate"], safety["gate_passed"], safety["consensus"]) == (
            True,
            False,
            "fail",
        )

    async def test_no_evaluation(self, build: Build, client: httpx.AsyncClient) -> None:
        project = build.project()
        decision = await build.decision_at(project, "stop", at("2026-02-01T10:00"))
        build.now(at("2026-03-01T00:00"))
        result = await pack(client, decision["id"])
        assert result["evaluation"] is None
        assert result["decision"]["followed_recommendation"] is False
        assert result["decision"]["meeting_date"] == "2026-02-01"


class TestAsOf:
    async def test_later_changes_as_of(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        decision_id = built["decision"]["id"]
        open_then = (await pack(client, decision_id, as_of="2026-03-25T00:00:00Z"))["decision"]
        assert open_then["status"] == "conditions_open"
        assert open_then["superseded_by"] is None
        [condition] = open_then["conditions"]
        assert (condition["status"], condition["closed_at"], condition["past_due"]) == (
            "open",
            None,
            True,
        )
        met = (await pack(client, decision_id, as_of="2026-04-05T00:00:00Z"))["decision"]
        assert met["status"] == "closed"
        assert met["conditions"][0]["status"] == "met"
        assert met["superseded_by"] is None

    async def test_before_the_decision_it_did_not_exist(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        response = await client.get(
            f"/v1/aggregates/decisions/{built['decision']['id']}/evidence",
            params={"as_of": "2026-02-01T00:00:00Z"},
        )
        assert_problem(response, 404, "decision-not-found")

    async def test_a_later_change_leaves_an_earlier_pack_alone(
        self, build: Build, client: httpx.AsyncClient
    ) -> None:
        built = await story(build, later=False)
        decision_id = built["decision"]["id"]
        build.now(at("2026-03-26T00:00"))
        before = await pack(client, decision_id, as_of="2026-03-25T00:00:00Z")
        await happen_later(build, built)
        build.now(at("2026-04-12T10:00"))
        await build.record(
            built["evaluation"],
            "log",
            {
                "observed_at": iso(at("2026-02-15T10:00")),
                "source": "survey",
                "summary": "Late record of February.",
            },
        )
        build.now(at("2026-06-01T00:00"))
        after = await pack(client, decision_id, as_of="2026-03-25T00:00:00Z")
        assert after == before
        assert (await pack(client, decision_id))["decision"] != before["decision"]


class TestWithoutNames:
    @pytest.mark.parametrize("role", ["reporter", "viewer"])
    async def test_names_withheld(self, reader: Any, built: dict[str, Any], role: str) -> None:
        result = await pack(reader(role), built["decision"]["id"])
        decision = result["decision"]
        assert decision["decided_by"] is None
        assert decision["dissent"] == [{"member": None, "note": "Too early to commit."}]
        assert decision["conditions"][0]["owner"] is None
        assessment = result["assessment"]
        assert assessment["panel_chair"] is None
        assert assessment["assessors"] == ["assessor-1", "assessor-2", "assessor-3"]
        assert set(assessment["assessor_overall"]) == {"assessor-1", "assessor-2", "assessor-3"}
        ordinal = next(c for c in assessment["criteria"] if c["code"] == "ordinal")
        assert ordinal["outliers"] == ["assessor-3"]
        assert [r["assessor"] for r in ordinal["ratings"]] == [
            "assessor-1",
            "assessor-2",
            "assessor-3",
        ]
        flagged = result["evaluation"]["items"][0]
        assert flagged["contains_personal_data"] is True
        assert flagged["text"] is None
        assert "Jane" not in str(result)
        for name in ("alice", "bob", "carl", "gov-1", "dr-carol", "ig-lead"):
            assert f"'{name}'" not in str(result)

    @pytest.mark.parametrize("role", ["governance", "admin", "service"])
    async def test_names_shown(self, reader: Any, built: dict[str, Any], role: str) -> None:
        result = await pack(reader(role), built["decision"]["id"])
        assert result["decision"]["dissent"][0]["member"] == "dr-carol"
        assert result["assessment"]["assessors"] == ["alice", "bob", "carl"]

    @pytest.mark.parametrize("role", ["evaluator", "contributor"])
    async def test_others_are_refused(self, reader: Any, built: dict[str, Any], role: str) -> None:
        response = await reader(role).get(
            f"/v1/aggregates/decisions/{built['decision']['id']}/evidence"
        )
        assert_problem(response, 403)


class TestBadInput:
    async def test_unknown_decision(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"/v1/aggregates/decisions/{uuid.uuid4()}/evidence")
        assert_problem(response, 404, "decision-not-found")

    async def test_not_a_uuid(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/aggregates/decisions/nope/evidence")
        assert_problem(response, 404)

    async def test_as_of_in_the_future(self, client: httpx.AsyncClient) -> None:
        later = iso(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        response = await client.get(
            f"/v1/aggregates/decisions/{uuid.uuid4()}/evidence", params={"as_of": later}
        )
        assert_problem(response, 422, "as-of-in-future")
        assert response.json()["errors"][0] == {
            "pointer": "/as_of",
            "location": "query",
            "detail": "Later than now.",
        }

    async def test_from_after_the_decision(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        response = await client.get(
            f"/v1/aggregates/decisions/{built['decision']['id']}/evidence",
            params={"from": "2026-03-02T00:00:00Z"},
        )
        assert_problem(response, 422, "invalid-period")

    @pytest.mark.parametrize("params", [{"as_of": "2026-03-01"}, {"on": "2026-03-01T00:00:00Z"}])
    async def test_malformed(self, client: httpx.AsyncClient, params: dict[str, str]) -> None:
        response = await client.get(
            f"/v1/aggregates/decisions/{uuid.uuid4()}/evidence", params=params
        )
        assert_problem(response, 422)
