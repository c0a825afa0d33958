"""The learning log: sources, references, tags, the personal-data flag, and the append-only rule
(editable until a sensemaking session reviews an entry; amended by linked corrections after)."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem

E = "/v1/evaluation/log-entries"
JOURNAL_ENTRY = "0190a000-0000-7000-8000-000000000001"
ENGAGEMENT = "0190a000-0000-7000-8000-000000000002"


class TestCreateLogEntry:
    async def test_records_source_refs_tags_and_flag(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        entry = await de.entry(
            source="om_journal",
            refs=[
                {"kind": "journal_entry", "id": JOURNAL_ENTRY},
                {"kind": "engagement", "id": ENGAGEMENT},
            ],
            tags=["discharge", "family"],
            contains_personal_data=True,
        )
        assert entry["source"] == "om_journal"
        assert entry["refs"] == [
            {"kind": "journal_entry", "id": JOURNAL_ENTRY},
            {"kind": "engagement", "id": ENGAGEMENT},
        ]
        assert entry["tags"] == ["discharge", "family"]
        assert entry["contains_personal_data"] is True
        assert entry["personal_data_withheld"] is False
        assert entry["reviewed_in_session_ids"] == []
        assert entry["recorded_by"] == "eve"

    async def test_unknown_source_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/log",
            json={"observed_at": kit.ts("2026-03-02T10:00:00"), "source": "gossip", "summary": "x"},
        )
        assert (
            assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/source"
        )

    async def test_naive_timestamp_is_422(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        response = await evaluator.post(
            f"/v1/evaluation/evaluations/{de.id}/log",
            json={"observed_at": "2026-03-02T10:00:00", "source": "survey", "summary": "x"},
        )
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == (
            "/observed_at"
        )

    async def test_audit_and_feed_redact_the_free_text(
        self, evaluator: httpx.AsyncClient, feed: httpx.AsyncClient, de: Any
    ) -> None:
        entry = await de.entry(
            summary="Mrs Jones (bed 4) fell at 22:10", contains_personal_data=True
        )
        events = (await feed.get("/v1/events")).json()["items"]
        created = [e for e in events if e["entity_id"] == entry["id"]]
        assert created[0]["type"] == "learning_log_entry.created"
        assert created[0]["data"]["entity"]["summary"] == "[redacted]"
        assert "Mrs Jones" not in str(events)


class TestUpdateLogEntry:
    async def test_editable_before_review(self, evaluator: httpx.AsyncClient, de: Any) -> None:
        entry = await de.entry()
        response = await evaluator.patch(f"{E}/{entry['id']}", json={"tags": ["night"]})
        assert response.status_code == 200, response.text
        assert response.json()["tags"] == ["night"]

    async def test_reviewed_entry_is_append_only(
        self, evaluator: httpx.AsyncClient, de: Any, kit: Any
    ) -> None:
        entry = await de.entry()
        await de.session(reviewed=[entry["id"]])
        response = await evaluator.patch(f"{E}/{entry['id']}", json={"summary": "Rewritten"})
        body = assert_problem(response, 409, "log-entry-append-only")
        assert f"{E}/{entry['id']}/corrections" in body["detail"]


class TestCorrectLogEntry:
    async def test_correction_links_both_ways_and_leaves_the_original(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        entry = await de.entry(summary="Six escalations in week 3")
        await de.session(reviewed=[entry["id"]])
        response = await evaluator.post(
            f"{E}/{entry['id']}/corrections",
            json={
                "observed_at": entry["observed_at"],
                "source": "routine_data",
                "summary": "Correction: eight escalations in week 3 (two were missed)",
            },
        )
        assert response.status_code == 201, response.text
        correction = response.json()
        assert correction["corrects_id"] == entry["id"]
        original = (await evaluator.get(f"{E}/{entry['id']}")).json()
        assert original["summary"] == "Six escalations in week 3"
        assert original["corrected_by_ids"] == [correction["id"]]
        assert original["version"] == entry["version"]


class TestListLogEntries:
    async def test_reporter_gets_flagged_free_text_omitted(
        self, reporter: httpx.AsyncClient, de: Any
    ) -> None:
        flagged = await de.entry(summary="Mr Ahmed's daughter says...", contains_personal_data=True)
        plain = await de.entry(summary="Readmissions steady at 9%")
        items = (await reporter.get(f"/v1/evaluation/evaluations/{de.id}/log")).json()["items"]
        by_id = {item["id"]: item for item in items}
        assert "summary" not in by_id[flagged["id"]]
        assert "tags" not in by_id[flagged["id"]]
        assert by_id[flagged["id"]]["personal_data_withheld"] is True
        assert by_id[flagged["id"]]["source"] == "interview"
        assert by_id[plain["id"]]["summary"] == "Readmissions steady at 9%"
        assert by_id[plain["id"]]["personal_data_withheld"] is False

    async def test_viewer_sees_flagged_free_text(self, viewer: httpx.AsyncClient, de: Any) -> None:
        await de.entry(summary="Mr Ahmed's daughter says...", contains_personal_data=True)
        items = (await viewer.get(f"/v1/evaluation/evaluations/{de.id}/log")).json()["items"]
        assert items[0]["summary"] == "Mr Ahmed's daughter says..."

    async def test_filters_and_sorts_by_observed_at(
        self, evaluator: httpx.AsyncClient, de: Any
    ) -> None:
        late = await de.entry("2026-04-02T10:00:00", source="survey")
        early = await de.entry("2026-03-01T10:00:00", source="survey")
        await de.entry("2026-03-15T10:00:00", source="meeting")
        response = await evaluator.get(
            f"/v1/evaluation/evaluations/{de.id}/log",
            params={"source": "survey", "sort": "-observed_at"},
        )
        assert [item["id"] for item in response.json()["items"]] == [late["id"], early["id"]]


class TestGetLogEntry:
    async def test_reporter_gets_flagged_free_text_omitted(
        self, reporter: httpx.AsyncClient, de: Any
    ) -> None:
        flagged = await de.entry(contains_personal_data=True)
        body = (await reporter.get(f"{E}/{flagged['id']}")).json()
        assert "summary" not in body and body["personal_data_withheld"] is True

    async def test_unknown_is_404(self, evaluator: httpx.AsyncClient, kit: Any) -> None:
        response = await evaluator.get(f"{E}/01900000-0000-7000-8000-000000000000")
        assert_problem(response, 404, "log-entry-not-found")
