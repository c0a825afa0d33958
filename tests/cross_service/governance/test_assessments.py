"""Assessments through the API, against the real projects service: creation checks, the
workflow's explained refusals, conflicts of interest, independent ratings on every scale,
moderation and the frozen, auditable result."""

from __future__ import annotations

from typing import Any

import pytest

from shared.testing import TokenFactory, api_client, assert_problem

from .flow import Flow, Linked


async def events(linked: Linked, tokens: TokenFactory, type_: str) -> list[dict[str, Any]]:
    async with api_client(linked.assessment, token=tokens("service", sub="service:projects")) as c:
        response = await c.get("/v1/events", params={"type": type_})
    return list(response.json()["items"])


class TestCreateAssessment:
    async def test_pins_project_context_and_template(self, flow: Flow) -> None:
        template_id = await flow.template()
        project_id = await flow.project(stage="design", is_digital=True)
        response = await flow.create(
            project_id=project_id, gate="g2_pilot_approval", template_id=template_id, esf_tier="b"
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"] == "draft"
        assert body["context_snapshot"]["stage"] == "design"
        assert body["context_snapshot"]["is_digital"] is True
        assert body["context_snapshot"]["esf_tier"] == "b"
        assert [m["declaration"] for m in body["panel"]] == ["pending", "pending"]
        assert response.headers["location"] == f"/v1/assessments/{body['id']}"

    async def test_the_pinned_template_becomes_immutable(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        async with flow.gov as client:
            template = (await client.get(f"/v1/frameworks/{assessment['template_id']}")).json()
            assert template["in_use"] is True
            response = await client.patch(
                f"/v1/frameworks/{assessment['template_id']}", json={"description": "changed"}
            )
        assert_problem(response, 409, "framework-in-use")

    async def test_unknown_project_is_a_422_on_the_field(self, flow: Flow) -> None:
        response = await flow.create(
            project_id="01900000-0000-7000-8000-000000000000", template_id=await flow.template()
        )
        problem = assert_problem(response, 422, "project-not-found")
        assert problem["errors"][0]["pointer"] == "/project_id"

    async def test_projects_service_unreachable_is_a_503(self, flow: Flow, linked: Linked) -> None:
        template_id = await flow.template()
        project_id = await flow.project()
        linked.to_projects.reachable = False
        response = await flow.create(project_id=project_id, template_id=template_id)
        assert_problem(response, 503, "upstream-unavailable")
        assert "retry-after" in response.headers

    async def test_one_open_assessment_per_project_and_gate(self, flow: Flow) -> None:
        first = await flow.assessment()
        response = await flow.create(
            project_id=first["project_id"], template_id=first["template_id"]
        )
        assert_problem(response, 409, "open-assessment-exists")
        assert response.json()["assessment_id"] == first["id"]

    async def test_gate_must_fit_the_project_stage(self, flow: Flow) -> None:
        response = await flow.create(
            project_id=await flow.project(stage="idea"),
            template_id=await flow.template(),
            gate="g2_pilot_approval",
        )
        assert_problem(response, 409, "gate-not-open-for-stage")

    async def test_a_draft_template_cannot_be_used(self, flow: Flow) -> None:
        async with flow.gov as client:
            draft = await client.post("/v1/frameworks", json={"name": "Draft", "semver": "1.0.0"})
        response = await flow.create(
            project_id=await flow.project(), template_id=draft.json()["id"]
        )
        assert_problem(response, 409, "template-not-usable")

    async def test_by_name_uses_the_active_version(self, flow: Flow) -> None:
        piloting = await flow.template(status="piloting")
        project_id = await flow.project()
        refused = await flow.create(project_id=project_id, template_name="Workflow test")
        assert_problem(refused, 422, "no-active-template")
        async with flow.gov as client:
            await client.post(f"/v1/frameworks/{piloting}/transitions", json={"to": "active"})
        response = await flow.create(project_id=project_id, template_name="Workflow test")
        assert response.json()["template_id"] == piloting

    @pytest.mark.parametrize("role", ["viewer", "evaluator", "contributor"])
    async def test_only_governance_creates(self, flow: Flow, role: str) -> None:
        async with flow.as_("someone", role) as client:
            response = await client.post("/v1/assessments", json={})
        assert response.status_code == 403


class TestPilotingTemplates:
    async def test_assessments_on_a_piloting_template_are_flagged(self, flow: Flow) -> None:
        assessment = await flow.assessment(template_id=await flow.template(status="piloting"))
        assert assessment["uses_piloting_template"] is True


class TestTransitions:
    async def test_scoring_needs_a_rating(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        assert (await flow.move(assessment["id"], "open")).status_code == 200
        response = await flow.move(assessment["id"], "scoring")
        assert_problem(response, 409, "no-ratings-yet")

    async def test_moderation_needs_min_assessors_and_says_who_is_missing(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice")
        await flow.rate_all(assessment["id"], "alice", {"ordinal": 3, "likert": 4})
        await flow.submit(assessment["id"], "alice")
        await flow.move(assessment["id"], "scoring")
        response = await flow.move(assessment["id"], "moderation")
        problem = assert_problem(response, 409, "not-enough-submissions")
        assert problem["submitted"] == ["alice"] and problem["not_eligible"] == ["bob"]

    async def test_scored_needs_consensus_on_every_criterion(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        values = {"ordinal": 3, "likert": 4}
        await flow.to_moderation(assessment["id"], {"alice": values, "bob": values})
        response = await flow.move(assessment["id"], "scored")
        assert_problem(response, 409, "consensus-incomplete")
        assert "ordinal" in response.json()["missing"]

    async def test_illegal_transition_is_explained(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        response = await flow.move(assessment["id"], "scored")
        problem = assert_problem(response, 409, "illegal-transition")
        assert "allowed from here: `open`, `cancelled`" in problem["detail"]

    async def test_decided_is_reached_only_by_a_decision(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        response = await flow.move(assessment["id"], "decided")
        assert_problem(response, 409, "gate-requires-decision")

    async def test_allowed_transitions_follow_the_workflow_and_the_caller(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        assert assessment["allowed_transitions"] == ["open", "cancelled"]
        moved = await flow.move(assessment["id"], "open", reason="Panel convened")
        assert moved.status_code == 200, moved.text
        assert moved.headers["etag"] == f'"v{moved.json()["version"]}"'
        assert moved.json()["allowed_transitions"] == ["scoring", "cancelled"]
        async with flow.as_("alice") as alice:  # an assessor, not the chair
            read = (await alice.get(f"/v1/assessments/{assessment['id']}")).json()
        assert read["allowed_transitions"] == []
        async with flow.as_("gov-1", "viewer") as chair_as_viewer:  # the chair, without a role
            read = (await chair_as_viewer.get(f"/v1/assessments/{assessment['id']}")).json()
        assert read["allowed_transitions"] == []
        async with flow.gov as client:
            audit = await client.get(
                "/v1/audit", params={"entity_type": "assessment", "entity_id": assessment["id"]}
            )
        reasons = [e for e in audit.json()["items"] if e["action"] == "transition_reason"]
        assert [e["changes"]["reason"]["after"] for e in reasons] == ["Panel convened"]

    async def test_cancel_needs_a_reason_and_frees_the_gate(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        refused = await flow.move(assessment["id"], "cancelled")
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["pointer"] == "/reason"
        cancelled = await flow.move(assessment["id"], "cancelled", reason="Project withdrawn")
        assert cancelled.json()["status"] == "cancelled"
        again = await flow.create(
            project_id=assessment["project_id"], template_id=assessment["template_id"]
        )
        assert again.status_code == 201

    async def test_only_the_chair_or_governance_moves_it(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        async with flow.as_("alice") as alice:
            response = await alice.post(
                f"/v1/assessments/{assessment['id']}/transitions", json={"to": "open"}
            )
        assert_problem(response, 403, "not-panel-chair")


class TestConflictsOfInterest:
    async def test_undeclared_assessors_cannot_rate(self, flow: Flow) -> None:
        assessment = await flow.opened()
        response = await flow.rate(assessment["id"], "alice", "ordinal", 3)
        assert_problem(response, 403, "conflict-of-interest")

    async def test_a_conflict_removes_until_the_chair_waives(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice", conflict="Adviser to the supplier")
        refused = await flow.rate(assessment["id"], "alice", "ordinal", 3)
        assert refused.status_code == 403
        async with flow.gov as chair:
            waived = await chair.post(
                f"/v1/assessments/{assessment['id']}/panel/alice/waiver",
                json={"reason": "Unpaid, declared to the board; no other ED expertise."},
            )
        assert waived.json()["declaration"] == "conflict_waived"
        assert (await flow.rate(assessment["id"], "alice", "ordinal", 3)).status_code == 200

    async def test_only_the_chair_waives(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        await flow.declare(assessment["id"], "alice", conflict="Supplier shares")
        async with flow.as_("bob") as bob:
            response = await bob.post(
                f"/v1/assessments/{assessment['id']}/panel/alice/waiver", json={"reason": "ok"}
            )
        assert_problem(response, 403, "not-panel-chair")


class TestRatings:
    @pytest.mark.parametrize(
        ("code", "scale", "bad"),
        [
            ("ordinal", "ordinal_0_4", 5),
            ("likert", "likert_1_5", 0),
            ("valence", "valence_m2_p2", 3),
            ("complexity", "complexity_3", "chaotic"),
            ("met", "met_3", "mostly"),
            ("evidence", "evidence_level_1_5", 6),
            ("tier", "esf_tier", "d"),
            ("carbon", "numeric", 250),
            ("dtac", "pass_fail", "maybe"),
        ],
    )
    async def test_value_off_the_scale_is_a_422_naming_it(
        self, flow: Flow, code: str, scale: str, bad: Any
    ) -> None:
        assessment = await flow.assessment(is_digital=True)
        await flow.move(assessment["id"], "open")
        await flow.declare(assessment["id"], "alice")
        response = await flow.rate(assessment["id"], "alice", code, bad)
        problem = assert_problem(response, 422, "score-out-of-scale")
        assert problem["scale"] == scale and scale in problem["detail"]
        assert problem["errors"][0]["pointer"] == "/value"

    async def test_a_boolean_is_off_every_scale(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice")
        response = await flow.rate(assessment["id"], "alice", "ordinal", True)
        assert_problem(response, 422, "score-out-of-scale")

    async def test_unknown_needs_a_reason(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice")
        refused = await flow.rate(assessment["id"], "alice", "ordinal", unknown=True)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["pointer"] == "/unknown_reason"
        ok = await flow.rate(
            assessment["id"], "alice", "ordinal", unknown=True, unknown_reason="No data yet"
        )
        assert ok.status_code == 200 and ok.json()["unknown"] is True

    async def test_only_named_assessors_rate(self, flow: Flow) -> None:
        assessment = await flow.opened()
        response = await flow.rate(assessment["id"], "mallory", "ordinal", 4)
        assert_problem(response, 403, "not-on-panel")

    async def test_viewer_cannot_rate_even_if_named(self, flow: Flow) -> None:
        assessment = await flow.opened()
        async with flow.as_("alice", "viewer") as viewer:
            response = await viewer.put(
                f"/v1/assessments/{assessment['id']}/ratings/ordinal", json={"value": 4}
            )
        assert_problem(response, 403, "forbidden")

    async def test_unknown_criterion_is_a_404(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice")
        response = await flow.rate(assessment["id"], "alice", "nope", 1)
        assert_problem(response, 404, "criterion-not-found")

    async def test_evidence_links_grade_the_rating(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice")
        async with flow.as_("alice") as alice:
            evidence = await alice.post(
                f"/v1/assessments/{assessment['id']}/evidence",
                json={"kind": "journal_ref", "title": "Outcome journal Q2", "evidence_level": 3,
                      "ref_id": "01900000-0000-7000-8000-000000000001"},
            )  # fmt: skip
        assert evidence.status_code == 201, evidence.text
        linked = await flow.rate(
            assessment["id"], "alice", "ordinal", 3, evidence_ids=[evidence.json()["id"]]
        )
        assert linked.json()["evidence_level"] == 3
        unknown = await flow.rate(
            assessment["id"], "alice", "likert", 3,
            evidence_ids=["01900000-0000-7000-8000-000000000009"],
        )  # fmt: skip
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["pointer"] == "/evidence_ids/0"

    async def test_assessors_see_only_their_own_until_moderation(self, flow: Flow) -> None:
        assessment = await flow.opened()
        for subject, value in (("alice", 4), ("bob", 1)):
            await flow.declare(assessment["id"], subject)
            await flow.rate(assessment["id"], subject, "ordinal", value)
        async with flow.as_("bob") as bob:
            mine = (await bob.get(f"/v1/assessments/{assessment['id']}/ratings")).json()
        assert mine["visibility"] == "own"
        assert [(r["assessor"], r["value"]) for r in mine["items"]] == [("bob", 1)]
        async with flow.gov as chair:
            chair_view = (await chair.get(f"/v1/assessments/{assessment['id']}/ratings")).json()
        assert chair_view["items"] == []

    async def test_audit_and_feed_do_not_leak_values_before_moderation(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice")
        await flow.rate(assessment["id"], "alice", "ordinal", 4, rationale="Strong pilot data")
        async with flow.gov as chair:
            audit = (await chair.get("/v1/audit?entity_type=rating")).json()["items"]
        async with flow.as_("rita", "reporter") as reporter:
            feed = (await reporter.get("/v1/events?type=rating.created")).json()["items"]
        assert audit and feed
        assert audit[0]["changes"]["value"]["after"] == "[redacted]"
        assert audit[0]["changes"]["rationale"]["after"] == "[redacted]"
        assert feed[0]["data"]["entity"]["value"] == "[redacted]"
        assert "Strong pilot data" not in str(audit) + str(feed)


class TestSubmission:
    async def test_required_criteria_must_be_rated(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice")
        await flow.rate(assessment["id"], "alice", "ordinal", 2)
        response = await flow.submit(assessment["id"], "alice")
        assert_problem(response, 409, "required-criteria-unrated")
        assert response.json()["missing"] == ["likert"]

    async def test_submitted_ratings_are_final(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice")
        await flow.rate_all(assessment["id"], "alice", {"ordinal": 2, "likert": 3})
        assert (await flow.submit(assessment["id"], "alice")).status_code == 200
        response = await flow.rate(assessment["id"], "alice", "ordinal", 4)
        assert_problem(response, 409, "ratings-submitted")


class TestModeration:
    async def test_spread_and_outliers_are_visible(self, flow: Flow) -> None:
        assessment = await flow.assessment(assessors=["alice", "bob", "carol"])
        await flow.to_moderation(
            assessment["id"],
            {
                "alice": {"ordinal": 4, "likert": 4},
                "bob": {"ordinal": 4, "likert": 4},
                "carol": {"ordinal": 0, "likert": 4},
            },
        )
        async with flow.as_("carol") as carol:
            view = (await carol.get(f"/v1/assessments/{assessment['id']}/moderation")).json()
            ratings = (await carol.get(f"/v1/assessments/{assessment['id']}/ratings")).json()
        ordinal = next(c for c in view["criteria"] if c["criterion"] == "ordinal")
        assert (ordinal["median"], ordinal["spread"], ordinal["outliers"]) == (4, 1.0, ["carol"])
        assert ratings["visibility"] == "panel" and len(ratings["items"]) == 6

    async def test_consensus_records_method_and_dissent(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        await flow.to_moderation(
            assessment["id"],
            {"alice": {"ordinal": 4, "likert": 2}, "bob": {"ordinal": 2, "likert": 4}},
        )
        async with flow.gov as chair:
            median = await chair.put(
                f"/v1/assessments/{assessment['id']}/consensus/likert", json={"method": "median"}
            )
            agreed = await chair.put(
                f"/v1/assessments/{assessment['id']}/consensus/ordinal",
                json={"method": "panel_agreed", "value": 3,
                      "dissent_note": "Alice holds 4: the audit data are stronger."},
            )  # fmt: skip
            off_scale = await chair.put(
                f"/v1/assessments/{assessment['id']}/consensus/ordinal",
                json={"method": "panel_agreed", "value": 9},
            )
        assert median.json()["value"] == 2  # the lower middle of 2 and 4: a value on the scale
        assert agreed.json()["dissent_note"].startswith("Alice holds 4")
        assert_problem(off_scale, 422, "score-out-of-scale")

    async def test_assessors_do_not_record_consensus(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        values = {"ordinal": 2, "likert": 2}
        await flow.to_moderation(assessment["id"], {"alice": values, "bob": values})
        async with flow.as_("alice") as alice:
            response = await alice.post(f"/v1/assessments/{assessment['id']}/consensus/medians")
        assert_problem(response, 403, "not-panel-chair")


class TestResult:
    async def test_scored_result_shows_every_input_and_the_template_version(
        self, flow: Flow, linked: Linked, tokens: TokenFactory
    ) -> None:
        scored = await flow.scored()
        assert scored["status"] == "scored"
        # core: ordinal median(3,4)=3 -> 0.75, likert 5 -> 1 -> D=0.875; nothing else rated
        assert scored["overall_score"] == pytest.approx(0.875)
        assert scored["recommendation"] == "proceed_with_conditions"  # coverage 2/3 < 0.7
        async with flow.gov as client:
            result = (await client.get(f"/v1/assessments/{scored['id']}/result")).json()
        assert result["template"]["name"] == "Workflow test"
        assert result["template"]["semver"] == "1.0.0"
        assert result["assessors"] == ["alice", "bob"]
        ordinal = next(c for c in result["score"]["criteria"] if c["code"] == "ordinal")
        assert ordinal["assessor_values"] == {"alice": 4, "bob": 3}
        assert result["score"]["policy"]["min_assessors"] == 2
        [event] = await events(linked, tokens, "assessment.scored")
        assert event["data"]["recommendation"] == "proceed_with_conditions"
        assert event["data"]["template_semver"] == "1.0.0"

    async def test_no_result_before_scoring(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        async with flow.gov as client:
            response = await client.get(f"/v1/assessments/{assessment['id']}/result")
        assert_problem(response, 409, "assessment-not-scored")

    async def test_failed_digital_gate_forces_adapt_or_stop(self, flow: Flow) -> None:
        values = {"ordinal": 4, "likert": 5, "dtac": "fail"}
        scored = await flow.scored({"alice": values, "bob": values}, is_digital=True)
        assert scored["recommendation"] == "adapt"
        async with flow.gov as client:
            result = (await client.get(f"/v1/assessments/{scored['id']}/result")).json()
        assert [g["criterion"] for g in result["score"]["failed_gates"]] == ["dtac"]


class TestComplexity:
    async def test_profile_sits_beside_the_score(self, flow: Flow) -> None:
        assessment = await flow.assessment()
        async with flow.gov as chair:
            response = await chair.put(
                f"/v1/assessments/{assessment['id']}/complexity",
                json={"ratings": [
                    {"domain": "technology", "rating": "complex"},
                    {"domain": "adopter_system", "rating": "complex"},
                    {"domain": "organisation", "rating": "complex"},
                    {"domain": "condition", "rating": "simple"},
                ]},
            )  # fmt: skip
        assert response.status_code == 200, response.text
        assert (response.json()["complex_count"], response.json()["risk"]) == (3, "high")
