"""Adaptation decisions (proposed → agreed → implemented → reviewed, the pivot event) and theory-
of-change versions (assumptions, the adaptations that changed them, only the latest editable)."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem

A = "/v1/evaluation/adaptations"
T = "/v1/evaluation/theory-of-change"


async def events_of(feed: httpx.AsyncClient, type_: str) -> list[dict[str, Any]]:
    items = (await feed.get("/v1/events", params={"limit": 200})).json()["items"]
    return [item for item in items if item["type"] == type_]


class TestCreateAdaptation:
    async def test_creates_proposed_with_prompting_findings(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        finding = await de.finding()
        adaptation = await de.adaptation(
            findings=[finding["id"]],
            alternatives_considered="Extend the day team's hours",
            decided_by=["eve", "carl"],
            review_at="2026-06-30",
        )
        assert adaptation["status"] == "proposed"
        assert adaptation["kind"] == "tweak" and adaptation["pivot"] is False
        assert adaptation["finding_ids"] == [finding["id"]]
        assert adaptation["review_at"] == "2026-06-30"

    async def test_unknown_kind_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/adaptations",
            json={"kind": "u_turn", "summary": "s", "rationale": "r"},
        )
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/kind"


class TestTransitionAdaptation:
    async def test_full_lifecycle_records_each_moment(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        adaptation = await de.adaptation()
        done = await de.move(
            adaptation["id"],
            "agreed",
            "implemented",
            "reviewed",
            agreed=kit.ts("2026-04-02T09:00:00"),
            implemented=kit.ts("2026-04-10T09:00:00"),
            reviewed=kit.ts("2026-06-20T09:00:00"),
        )
        assert done["status"] == "reviewed"
        assert done["agreed_at"] == "2026-04-02T09:00:00Z"
        assert done["implemented_at"] == "2026-04-10T09:00:00Z"
        assert done["reviewed_at"] == "2026-06-20T09:00:00Z"
        assert done["observed_effect"] == "Escalations fell by a third."

    async def test_skipping_a_step_is_409(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        adaptation = await de.adaptation()
        response = await evaluator.post(
            f"{A}/{adaptation['id']}/transitions", json={"to": "implemented"}
        )
        assert_problem(response, 409, "illegal-transition")

    async def test_review_without_observed_effect_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        adaptation = await de.adaptation()
        await de.move(adaptation["id"], "agreed", "implemented")
        response = await evaluator.post(
            f"{A}/{adaptation['id']}/transitions", json={"to": "reviewed"}
        )
        body = assert_problem(response, 422, "observed-effect-required")
        assert body["errors"][0]["pointer"] == "/observed_effect"

    async def test_implemented_pivot_emits_the_contract_event(
        self, evaluator: httpx.AsyncClient, feed: httpx.AsyncClient, de: Any
    ) -> None:
        pivot = await de.adaptation(kind="pivot", summary="Refocus on COPD patients only")
        assert pivot["pivot"] is True
        await de.move(pivot["id"], "agreed")
        assert await events_of(feed, "adaptation.implemented") == []
        await de.move(pivot["id"], "implemented", implemented="2026-05-01T08:30:00Z")
        [event] = await events_of(feed, "adaptation.implemented")
        assert event["entity_type"] == "adaptation"
        assert event["entity_id"] == pivot["id"]
        assert event["data"] == {
            "adaptation_id": pivot["id"],
            "evaluation_id": de.id,
            "project_id": de.evaluation["project_id"],
            "kind": "pivot",
            "implemented_at": "2026-05-01T08:30:00Z",
            "summary": "Refocus on COPD patients only",
        }
        # The row change is published too, under the table's own name (no collision).
        assert [
            e["entity_id"] for e in await events_of(feed, "adaptation_decision.implemented")
        ] == [pivot["id"]]

    async def test_implemented_tweak_emits_no_pivot_event(
        self, evaluator: httpx.AsyncClient, feed: httpx.AsyncClient, de: Any
    ) -> None:
        adaptation = await de.adaptation(kind="tweak")
        await de.move(adaptation["id"], "agreed", "implemented")
        assert await events_of(feed, "adaptation.implemented") == []


class TestUpdateAdaptation:
    async def test_proposed_is_editable(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        adaptation = await de.adaptation()
        finding = await de.finding()
        response = await evaluator.patch(
            f"{A}/{adaptation['id']}",
            json={"kind": "expand", "finding_ids": [finding["id"]]},
        )
        assert response.status_code == 200, response.text
        assert response.json()["kind"] == "expand"
        assert response.json()["finding_ids"] == [finding["id"]]

    async def test_agreed_is_locked_but_outcome_map_link_is_allowed(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        adaptation = await de.adaptation(kind="pivot")
        await de.move(adaptation["id"], "agreed")
        locked = await evaluator.patch(f"{A}/{adaptation['id']}", json={"summary": "Changed"})
        assert_problem(locked, 409, "adaptation-locked")
        ref = "0190b000-0000-7000-8000-000000000009"
        linked = await evaluator.patch(
            f"{A}/{adaptation['id']}", json={"outcome_map_change_ref": ref}
        )
        assert linked.status_code == 200 and linked.json()["outcome_map_change_ref"] == ref


class TestListAdaptations:
    async def test_filters_by_kind(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        await de.adaptation(kind="tweak")
        pivot = await de.adaptation(kind="pivot")
        response = await evaluator.get(
            f"/v1/evaluation/evaluations/{de.id}/adaptations", params={"kind": "pivot"}
        )
        assert [item["id"] for item in response.json()["items"]] == [pivot["id"]]


class TestGetAdaptation:
    async def test_unknown_is_404(self, evaluator: httpx.AsyncClient, kit: Any) -> None:
        response = await evaluator.get(f"{A}/01900000-0000-7000-8000-000000000000")
        assert_problem(response, 404, "adaptation-not-found")


class TestCreateTheoryOfChangeVersion:
    async def test_versions_are_numbered_and_link_adaptations(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        first = await de.toc()
        pivot = await de.adaptation(kind="pivot")
        second = await de.toc(
            assumptions=[
                {"text": "Patients can use the kit", "status": "revised"},
                {"text": "GPs accept early discharge", "status": "challenged"},
            ],
            changed_because=[pivot["id"]],
        )
        assert (first["number"], second["number"]) == (1, 2)
        assert second["changed_because"] == [pivot["id"]]
        assert second["assumptions"][1] == {
            "text": "GPs accept early discharge",
            "status": "challenged",
        }

    async def test_unknown_assumption_status_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/theory-of-change",
            json={"narrative": "n", "assumptions": [{"text": "t", "status": "wobbly"}]},
        )
        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["pointer"] == "/assumptions/0/status"

    async def test_adaptation_of_another_evaluation_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, projects: Any, kit: Any
    ) -> None:
        other = await kit.DE.start(evaluator, projects)
        foreign = await other.adaptation()
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/theory-of-change",
            json={"narrative": "n", "changed_because": [foreign["id"]]},
        )
        assert_problem(response, 422, "reference-outside-evaluation")


class TestUpdateTheoryOfChangeVersion:
    async def test_latest_version_can_challenge_an_assumption(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        version = await de.toc()
        response = await evaluator.patch(
            f"{T}/{version['id']}",
            json={"assumptions": [{"text": "Patients can use the kit", "status": "challenged"}]},
        )
        assert response.status_code == 200, response.text
        assert response.json()["assumptions"][0]["status"] == "challenged"

    async def test_superseded_version_is_409(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        first = await de.toc()
        await de.toc()
        response = await evaluator.patch(f"{T}/{first['id']}", json={"narrative": "Rewritten"})
        assert_problem(response, 409, "theory-of-change-version-superseded")


class TestListTheoryOfChangeVersions:
    async def test_sorted_by_number(self, viewer: httpx.AsyncClient, de: Any) -> None:
        await de.toc()
        await de.toc()
        response = await viewer.get(
            f"/v1/evaluation/evaluations/{de.id}/theory-of-change", params={"sort": "-number"}
        )
        assert [item["number"] for item in response.json()["items"]] == [2, 1]


class TestGetTheoryOfChangeVersion:
    async def test_unknown_is_404(self, viewer: httpx.AsyncClient, kit: Any) -> None:
        response = await viewer.get(f"{T}/01900000-0000-7000-8000-000000000000")
        assert_problem(response, 404, "theory-of-change-version-not-found")
