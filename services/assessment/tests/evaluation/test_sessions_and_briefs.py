"""Sensemaking sessions (What? / So what? / Now what?, entries reviewed, actions agreed) and
learning briefs for the primary intended users."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem

S = "/v1/evaluation/sessions"
B = "/v1/evaluation/briefs"


class TestCreateSensemakingSession:
    async def test_records_structure_reviewed_entries_and_actions(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        first, second = await de.entry(), await de.entry("2026-03-09T10:00:00")
        record = await de.session(reviewed=[first["id"], second["id"]])
        assert record["what"].startswith("Evening escalations")
        assert record["so_what"] and record["now_what"]
        assert record["actions"] == [
            {"description": "Draft huddle rota", "owner": "carl", "due_on": "2026-04-14"}
        ]
        assert sorted(record["data_reviewed"]) == sorted([first["id"], second["id"]])
        entry = (await evaluator.get(f"/v1/evaluation/log-entries/{first['id']}")).json()
        assert entry["reviewed_in_session_ids"] == [record["id"]]

    async def test_missing_so_what_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/sessions",
            json={
                "held_at": kit.ts("2026-03-31T14:00:00"),
                "format": "sensemaking",
                "what": "Escalations doubled",
                "now_what": "Trial a huddle",
            },
        )
        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["pointer"] == "/so_what"

    async def test_entry_of_another_evaluation_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, projects: Any, kit: Any
    ) -> None:
        other = await kit.DE.start(evaluator, projects)
        foreign = await other.entry()
        mine = await de.entry()
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/sessions",
            json={
                "held_at": kit.ts("2026-03-31T14:00:00"),
                "format": "retrospective",
                "what": "w",
                "so_what": "s",
                "now_what": "n",
                "data_reviewed": [mine["id"], foreign["id"]],
            },
        )
        body = assert_problem(response, 422, "reference-outside-evaluation")
        assert [e["pointer"] for e in body["errors"]] == ["/data_reviewed/1"]


class TestUpdateSensemakingSession:
    async def test_notes_and_actions_change(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        record = await de.session()
        response = await evaluator.patch(
            f"{S}/{record['id']}",
            json={"now_what": "Pilot the huddle on two wards", "actions": []},
            headers={"If-Match": '"v1"'},
        )
        assert response.status_code == 200, response.text
        assert response.json()["now_what"] == "Pilot the huddle on two wards"
        assert response.json()["actions"] == []

    async def test_data_reviewed_cannot_be_patched(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        record = await de.session()
        response = await evaluator.patch(f"{S}/{record['id']}", json={"data_reviewed": []})
        assert_problem(response, 422, "validation-error")


class TestListSensemakingSessions:
    async def test_sorted_by_held_at(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        later = await de.session("2026-06-30T14:00:00")
        earlier = await de.session("2026-03-31T14:00:00")
        response = await evaluator.get(
            f"/v1/evaluation/evaluations/{de.id}/sessions", params={"sort": "held_at"}
        )
        assert [item["id"] for item in response.json()["items"]] == [earlier["id"], later["id"]]


class TestGetSensemakingSession:
    async def test_unknown_is_404(self, evaluator: httpx.AsyncClient, kit: Any) -> None:
        response = await evaluator.get(f"{S}/01900000-0000-7000-8000-000000000000")
        assert_problem(response, 404, "sensemaking-session-not-found")


def brief_body(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Virtual ward: what we learned in Q1",
        "period_start": "2026-01-01",
        "period_end": "2026-03-31",
        "audience": ["ward-manager", "medicine-directorate-board"],
        "key_messages": ["Evening escalation is the weak point", "Patients value the video call"],
        "uri": "https://sharepoint.example/briefs/q1.pdf",
        **overrides,
    }


class TestCreateLearningBrief:
    async def test_creates(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        brief = await de.post("briefs", brief_body())
        assert brief["key_messages"][0] == "Evening escalation is the weak point"
        assert brief["uri"] == "https://sharepoint.example/briefs/q1.pdf"

    async def test_period_end_before_start_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/briefs", json=brief_body(period_end="2025-12-01")
        )
        assert_problem(response, 422, "validation-error")

    async def test_no_key_messages_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/briefs", json=brief_body(key_messages=[])
        )
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == (
            "/key_messages"
        )


class TestUpdateLearningBrief:
    async def test_patch_checks_the_period_against_stored_dates(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        brief = await de.post("briefs", brief_body())
        response = await evaluator.patch(f"{B}/{brief['id']}", json={"period_end": "2025-06-30"})
        body = assert_problem(response, 422, "validation-error")
        assert body["errors"][0]["pointer"] == "/period_end"

    async def test_uri_can_be_cleared(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        brief = await de.post("briefs", brief_body())
        response = await evaluator.patch(f"{B}/{brief['id']}", json={"uri": None})
        assert response.status_code == 200 and response.json()["uri"] is None


class TestListLearningBriefs:
    async def test_lists(self, viewer: httpx.AsyncClient, de: Any) -> None:
        brief = await de.post("briefs", brief_body())
        items = (await viewer.get(f"/v1/evaluation/evaluations/{de.id}/briefs")).json()["items"]
        assert [item["id"] for item in items] == [brief["id"]]


class TestGetLearningBrief:
    async def test_unknown_is_404(self, evaluator: httpx.AsyncClient, kit: Any) -> None:
        response = await evaluator.get(f"{B}/01900000-0000-7000-8000-000000000000")
        assert_problem(response, 404, "learning-brief-not-found")
