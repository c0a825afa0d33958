"""Findings: emerging → tested → confirmed | refuted, with confidence and the evidence entries
behind them; `GET /v1/evaluation/findings/{id}` is what impact assessments cite."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem

F = "/v1/evaluation/findings"


class TestCreateFinding:
    async def test_creates_emerging_with_evidence(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        entry = await de.entry()
        finding = await de.finding(evidence=[entry["id"]])
        assert finding["status"] == "emerging"
        assert finding["confidence"] == "medium"
        assert finding["evidence_log_ids"] == [entry["id"]]
        assert finding["project_id"] == de.evaluation["project_id"]

    async def test_evidence_of_another_evaluation_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, projects: Any, kit: Any
    ) -> None:
        other = await kit.DE.start(evaluator, projects)
        foreign = await other.entry()
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/findings",
            json={"statement": "s", "confidence": "low", "evidence_log_ids": [foreign["id"]]},
        )
        body = assert_problem(response, 422, "reference-outside-evaluation")
        assert body["errors"][0]["pointer"] == "/evidence_log_ids/0"

    async def test_repeated_evidence_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        entry = await de.entry()
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/findings",
            json={"statement": "s", "confidence": "low", "evidence_log_ids": [entry["id"]] * 2},
        )
        assert_problem(response, 422, "validation-error")


class TestGetFinding:
    async def test_citable_by_id_with_etag(self, viewer: httpx.AsyncClient, de: Any) -> None:
        finding = await de.finding()
        response = await viewer.get(f"{F}/{finding['id']}")
        assert response.status_code == 200
        body = response.json()
        assert {"id", "evaluation_id", "project_id", "statement", "status", "confidence"} <= set(
            body
        )
        assert response.headers["etag"] == '"v1"'
        cached = await viewer.get(f"{F}/{finding['id']}", headers={"If-None-Match": '"v1"'})
        assert cached.status_code == 304

    async def test_unknown_is_404(self, viewer: httpx.AsyncClient, kit: Any) -> None:
        response = await viewer.get(f"{F}/01900000-0000-7000-8000-000000000000")
        assert_problem(response, 404, "finding-not-found")


class TestUpdateFinding:
    async def test_replacing_evidence_bumps_the_version(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        first, second = await de.entry(), await de.entry("2026-03-05T09:00:00")
        finding = await de.finding(evidence=[first["id"]])
        response = await evaluator.patch(
            f"{F}/{finding['id']}",
            json={"evidence_log_ids": [second["id"]]},
            headers={"If-Match": '"v1"'},
        )
        assert response.status_code == 200, response.text
        assert response.json()["evidence_log_ids"] == [second["id"]]
        assert response.headers["etag"] == '"v2"'

    async def test_confirmed_finding_is_read_only(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        entry = await de.entry()
        finding = await de.finding(evidence=[entry["id"]])
        for step in ("tested", "confirmed"):
            await evaluator.post(f"{F}/{finding['id']}/transitions", json={"to": step})
        response = await evaluator.patch(f"{F}/{finding['id']}", json={"statement": "New"})
        assert_problem(response, 409, "finding-closed")

    async def test_tested_finding_keeps_some_evidence(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        entry = await de.entry()
        finding = await de.finding(evidence=[entry["id"]])
        await evaluator.post(f"{F}/{finding['id']}/transitions", json={"to": "tested"})
        response = await evaluator.patch(f"{F}/{finding['id']}", json={"evidence_log_ids": []})
        assert_problem(response, 409, "finding-needs-evidence")


class TestTransitionFinding:
    async def test_emerging_tested_confirmed_with_confidence(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        entry = await de.entry()
        finding = await de.finding(evidence=[entry["id"]])
        await evaluator.post(f"{F}/{finding['id']}/transitions", json={"to": "tested"})
        response = await evaluator.post(
            f"{F}/{finding['id']}/transitions", json={"to": "confirmed", "confidence": "high"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "confirmed"
        assert response.json()["confidence"] == "high"

    async def test_emerging_can_be_refuted_without_evidence(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        finding = await de.finding()
        response = await evaluator.post(f"{F}/{finding['id']}/transitions", json={"to": "refuted"})
        assert response.json()["status"] == "refuted"

    async def test_testing_without_evidence_is_409(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        finding = await de.finding()
        response = await evaluator.post(f"{F}/{finding['id']}/transitions", json={"to": "tested"})
        assert_problem(response, 409, "finding-needs-evidence")

    async def test_skipping_testing_is_409(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        entry = await de.entry()
        finding = await de.finding(evidence=[entry["id"]])
        response = await evaluator.post(
            f"{F}/{finding['id']}/transitions", json={"to": "confirmed"}
        )
        assert_problem(response, 409, "illegal-transition")

    async def test_refuted_is_final(self, evaluator: httpx.AsyncClient, de: Any, kit: Any) -> None:
        finding = await de.finding()
        await evaluator.post(f"{F}/{finding['id']}/transitions", json={"to": "refuted"})
        response = await evaluator.post(f"{F}/{finding['id']}/transitions", json={"to": "tested"})
        assert_problem(response, 409, "illegal-transition")


class TestListFindings:
    async def test_filters_by_status(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        kept = await de.finding()
        refuted = await de.finding()
        await evaluator.post(f"{F}/{refuted['id']}/transitions", json={"to": "refuted"})
        response = await evaluator.get(
            f"/v1/evaluation/evaluations/{de.id}/findings", params={"status": "emerging"}
        )
        assert [item["id"] for item in response.json()["items"]] == [kept["id"]]


class TestFindingAllowedTransitions:
    async def test_tested_is_offered_only_with_evidence(
        self, evaluator: httpx.AsyncClient, viewer: httpx.AsyncClient, de: Any
    ) -> None:
        bare = await de.finding()
        assert bare["allowed_transitions"] == ["refuted"]
        entry = await de.entry()
        backed = await de.finding(evidence=[entry["id"]])
        assert backed["allowed_transitions"] == ["tested", "refuted"]
        moved = await evaluator.post(f"{F}/{backed['id']}/transitions", json={"to": "tested"})
        assert moved.json()["allowed_transitions"] == ["confirmed", "refuted"]
        assert (await viewer.get(f"{F}/{backed['id']}")).json()["allowed_transitions"] == []
