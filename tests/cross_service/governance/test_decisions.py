"""Governance decisions: who records them, the recommendation beside the outcome, corrections
by supersession, conditions, the reads, and the project's stage moving in the projects service
when it consumes `decision.recorded`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from shared.testing import TokenFactory, api_client, assert_problem

from .flow import Flow, Linked
from .test_assessments import events


async def decide(flow: Flow, assessment_id: str, **overrides: Any) -> httpx.Response:
    body = {
        "assessment_id": assessment_id,
        "outcome": "proceed_with_conditions",
        "forum": "Innovation Board",
        "minutes_ref": "IB-2026-07 item 4",
        "conditions": [
            {
                "text": "Agree the data-sharing agreement",
                "owner": "ig-lead",
                "due_date": "2026-01-31",
            }
        ],
        **overrides,
    }
    async with flow.gov as client:
        return await client.post("/v1/decisions", json=body)


class TestRecordDecision:
    async def test_records_beside_the_recommendation_and_decides_the_assessment(
        self, flow: Flow
    ) -> None:
        scored = await flow.scored()
        response = await decide(flow, scored["id"], review_by="2026-06-30")
        assert response.status_code == 201, response.text
        decision = response.json()
        assert decision["computed_recommendation"] == "proceed_with_conditions"
        assert decision["overridden"] is False
        assert decision["status"] == "conditions_open"
        assert decision["decided_by"] == "gov-1"
        assert decision["conditions"][0]["status"] == "open"
        async with flow.gov as client:
            assessment = (await client.get(f"/v1/assessments/{scored['id']}")).json()
        assert assessment["status"] == "decided"

    async def test_emits_decision_recorded_with_the_contract(
        self, flow: Flow, linked: Linked, tokens: TokenFactory
    ) -> None:
        scored = await flow.scored()
        decision = (await decide(flow, scored["id"])).json()
        [event] = await events(linked, tokens, "decision.recorded")
        assert event["data"] == {
            "decision_id": decision["id"],
            "assessment_id": scored["id"],
            "project_id": scored["project_id"],
            "gate": "g0_triage",
            "outcome": "proceed_with_conditions",
            "computed_recommendation": "proceed_with_conditions",
            "decided_at": decision["decided_at"],
            "supersedes_id": None,
        }
        assert event["data"]["decided_at"].endswith("Z")

    @pytest.mark.parametrize("role", ["evaluator", "contributor", "viewer", "reporter"])
    async def test_only_governance_records(self, flow: Flow, role: str) -> None:
        scored = await flow.scored()
        async with flow.as_("someone", role) as client:
            response = await client.post(
                "/v1/decisions",
                json={"assessment_id": scored["id"], "outcome": "stop", "forum": "x"},
            )
        assert response.status_code == 403

    async def test_an_override_needs_a_rationale(self, flow: Flow) -> None:
        scored = await flow.scored()
        refused = await decide(flow, scored["id"], outcome="stop", conditions=[])
        assert_problem(refused, 422, "override-rationale-required")
        assert refused.json()["errors"][0]["pointer"] == "/rationale"
        recorded = await decide(
            flow, scored["id"], outcome="stop", conditions=[],
            rationale="The ICB has withdrawn the funding route.",
        )  # fmt: skip
        assert recorded.status_code == 201
        assert recorded.json()["overridden"] is True

    async def test_conditions_are_required_to_proceed_with_conditions(self, flow: Flow) -> None:
        scored = await flow.scored()
        response = await decide(flow, scored["id"], conditions=[])
        assert_problem(response, 422, "conditions-required")

    async def test_scale_is_not_decided_at_triage(self, flow: Flow) -> None:
        scored = await flow.scored()
        response = await decide(flow, scored["id"], outcome="scale", rationale="x")
        assert_problem(response, 422, "outcome-not-valid-for-gate")

    async def test_an_unscored_assessment_cannot_be_decided(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        response = await decide(flow, assessment["id"])
        assert_problem(response, 409, "assessment-not-ready-for-decision")

    async def test_a_second_decision_must_supersede(self, flow: Flow) -> None:
        scored = await flow.scored()
        await decide(flow, scored["id"])
        response = await decide(flow, scored["id"])
        assert_problem(response, 409, "decision-already-recorded")


class TestSupersede:
    async def test_a_correction_supersedes_and_the_original_is_kept(
        self, flow: Flow, linked: Linked, tokens: TokenFactory
    ) -> None:
        scored = await flow.scored()
        original = (await decide(flow, scored["id"])).json()
        response = await decide(
            flow, scored["id"], outcome="adapt", conditions=[], supersedes_id=original["id"],
            rationale="Minutes corrected: the board asked for a redesigned pathway.",
        )  # fmt: skip
        assert response.status_code == 201, response.text
        correction = response.json()
        assert correction["supersedes_id"] == original["id"]
        async with flow.gov as client:
            old = (await client.get(f"/v1/decisions/{original['id']}")).json()
        assert old["status"] == "superseded" and old["superseded_by_id"] == correction["id"]
        assert old["outcome"] == "proceed_with_conditions"  # never edited
        recorded = await events(linked, tokens, "decision.recorded")
        assert [e["data"]["supersedes_id"] for e in recorded] == [None, original["id"]]
        [superseded] = await events(linked, tokens, "decision.superseded")
        assert superseded["data"]["superseded_by_id"] == correction["id"]

    async def test_a_superseded_decision_cannot_be_superseded_again(self, flow: Flow) -> None:
        scored = await flow.scored()
        original = (await decide(flow, scored["id"])).json()
        await decide(flow, scored["id"], supersedes_id=original["id"])
        response = await decide(flow, scored["id"], supersedes_id=original["id"])
        assert_problem(response, 409, "decision-already-superseded")

    async def test_decisions_are_never_edited(self, flow: Flow) -> None:
        scored = await flow.scored()
        decision = (await decide(flow, scored["id"])).json()
        async with flow.gov as client:
            response = await client.patch(
                f"/v1/decisions/{decision['id']}", json={"outcome": "stop"}
            )
        assert response.status_code == 405


class TestConditions:
    async def test_overdue_open_conditions_are_listed(self, flow: Flow) -> None:
        scored = await flow.scored()
        await decide(flow, scored["id"])
        async with flow.gov as client:
            overdue = await client.get(
                "/v1/decisions/conditions", params={"overdue": "true", "as_of": "2026-02-01"}
            )
            not_yet = await client.get(
                "/v1/decisions/conditions", params={"overdue": "true", "as_of": "2026-01-31"}
            )
        assert [c["owner"] for c in overdue.json()["items"]] == ["ig-lead"]
        assert overdue.json()["items"][0]["project_id"] == scored["project_id"]
        assert not_yet.json()["items"] == []

    async def test_meeting_the_last_condition_closes_the_decision(self, flow: Flow) -> None:
        scored = await flow.scored()
        decision = (await decide(flow, scored["id"])).json()
        condition = decision["conditions"][0]
        assert condition["allowed_transitions"] == ["met", "waived", "breached"]
        url = f"/v1/decisions/{decision['id']}/conditions/{condition['id']}/transitions"
        async with flow.gov as client:
            response = await client.post(url, json={"to": "met", "reason": "DSA signed 12 January"})
            again = await client.post(url, json={"to": "breached"})
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == f'"v{response.json()["version"]}"'
        assert response.json()["status"] == "closed"
        met = response.json()["conditions"][0]
        assert (met["status"], met["status_note"]) == ("met", "DSA signed 12 January")
        assert met["allowed_transitions"] == []
        assert_problem(again, 409, "illegal-transition")

    async def test_only_governance_sees_condition_moves(self, flow: Flow) -> None:
        scored = await flow.scored()
        decision = (await decide(flow, scored["id"])).json()
        async with flow.as_("viewer-1", "viewer") as viewer:
            read = (await viewer.get(f"/v1/decisions/{decision['id']}")).json()
            listed = (await viewer.get("/v1/decisions/conditions")).json()
        assert read["conditions"][0]["allowed_transitions"] == []
        assert listed["items"][0]["allowed_transitions"] == []
        condition = decision["conditions"][0]
        async with flow.as_("alice", "evaluator") as evaluator:
            refused = await evaluator.post(
                f"/v1/decisions/{decision['id']}/conditions/{condition['id']}/transitions",
                json={"to": "met"},
            )
        assert_problem(refused, 403)
        async with flow.gov as client:
            listed = (await client.get("/v1/decisions/conditions")).json()
        assert listed["items"][0]["allowed_transitions"] == ["met", "waived", "breached"]

    async def test_reopening_a_condition_is_illegal(self, flow: Flow) -> None:
        scored = await flow.scored()
        decision = (await decide(flow, scored["id"])).json()
        condition = decision["conditions"][0]
        async with flow.gov as client:
            response = await client.post(
                f"/v1/decisions/{decision['id']}/conditions/{condition['id']}/transitions",
                json={"to": "open"},
            )
        assert_problem(response, 409, "illegal-transition")


class TestReads:
    async def test_override_rate(self, flow: Flow) -> None:
        first = await flow.scored()
        second = await flow.scored(template_id=first["template_id"])
        await decide(flow, first["id"])
        await decide(flow, second["id"], outcome="stop", conditions=[], rationale="No funding.")
        async with flow.gov as client:
            summary = (await client.get("/v1/decisions/override-summary")).json()
        assert (summary["total"], summary["overridden"], summary["override_rate"]) == (2, 1, 0.5)
        assert summary["by_gate"] == [
            {"gate": "g0_triage", "total": 2, "overridden": 1, "override_rate": 0.5}
        ]

    async def test_history_shows_trends_between_reassessments(self, flow: Flow) -> None:
        first = await flow.scored()
        await decide(flow, first["id"], outcome="adapt", conditions=[], rationale="Redesign first.")
        better = {"ordinal": 4, "likert": 5}
        second = await flow.scored(
            {"alice": better, "bob": better},
            project_id=first["project_id"],
            template_id=first["template_id"],
            previous_assessment_id=first["id"],
        )
        async with flow.gov as client:
            history = (
                await client.get(
                    "/v1/assessments/history", params={"project_id": first["project_id"]}
                )
            ).json()
        entries = history["entries"]
        assert [e["assessment_id"] for e in entries] == [first["id"], second["id"]]
        assert entries[0]["decision_outcome"] == "adapt"
        # core domain 0.875 -> 1.0
        assert entries[1]["change_since_previous"] == pytest.approx(0.125)
        assert entries[1]["domain_changes"] == {"core": pytest.approx(0.125)}


class TestStageChangesInProjects:
    async def test_the_projects_service_moves_the_stage_on_the_decision(
        self, flow: Flow, linked: Linked, tokens: TokenFactory
    ) -> None:
        scored = await flow.scored()
        await decide(flow, scored["id"], outcome="proceed", conditions=[], rationale="Clear need.")
        applied = await linked.projects_consumer.step()
        assert applied == 1
        async with api_client(linked.projects, token=tokens("viewer")) as client:
            project = (await client.get(f"/v1/projects/{scored['project_id']}")).json()
        assert project["stage"] == "scoping"
