"""Outcome journals: ratings on the partner's active markers, no overlapping periods per
partner, amendments."""

from __future__ import annotations

from typing import Any

from shared.testing import TokenFactory, api_client, assert_problem


async def setup(build: Any) -> tuple[Any, ...]:
    project = await build.project()
    agreed = await build.agreed_map(project["id"], markers=("expect_to_see", "like_to_see"))
    partner = agreed["partners"][0]
    markers = [m["id"] for m in partner["markers"]]
    return project, agreed, partner, markers


class TestCreateOutcomeJournalEntry:
    async def test_records_ratings_and_submits_with_event(
        self, client, app, build, entries, tokens: TokenFactory
    ) -> None:
        project, _, partner, markers = await setup(build)
        entry = await build.journal(
            project["id"],
            partner,
            "2026-01-01",
            "2026-03-31",
            {markers[0]: "high", markers[1]: "low"},
            unanticipated_change={"description": "Paramedics began referring too"},
            sources_of_evidence=[{"text": "Referral log", "uri": "https://intranet.example/log"}],
        )
        assert entry["status"] == "submitted" and entry["submitted_at"]
        assert [(r["level"], r["rating"]) for r in entry["marker_ratings"]] == [
            ("expect_to_see", "high"),
            ("like_to_see", "low"),
        ]
        assert entry["sources_of_evidence"][0]["uri"] == "https://intranet.example/log"
        assert entry["unanticipated_change"]["sources_of_evidence"] == []
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=journal.submitted")).json()["items"]
        data = events[0]["data"]
        assert (data["journal"], data["journal_entry_id"]) == ("outcome", entry["id"])
        assert data["boundary_partner_id"] == partner["id"]
        assert events[0]["entity_type"] == "outcome_journal_entry"

    async def test_created_answers_location_and_etag(self, client, build) -> None:
        project, _, partner, _ = await setup(build)
        url = f"/v1/projects/{project['id']}/outcome-journal"
        response = await client.post(
            url,
            json={
                "boundary_partner_id": partner["id"],
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
            },
        )
        assert response.status_code == 201, response.text
        entry = response.json()
        assert response.headers["Location"] == f"{url}/{entry['id']}"
        assert response.headers["ETag"] == f'"v{entry["version"]}"'
        assert (entry["status"], entry["allowed_transitions"]) == ("draft", ["submitted"])

    async def test_periods_are_exclusive_per_partner(self, build, entries) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"], partners=2)
        first, second = agreed["partners"]
        await build.journal(project["id"], first, "2026-01-01", "2026-03-31", {})
        # Another partner's quarter is its own.
        entry = await build.journal(project["id"], second, "2026-01-01", "2026-03-31", {})
        assert entry["status"] == "submitted"

    async def test_rating_a_marker_of_another_partner_is_422(self, client, build) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"], partners=2)
        first, second = agreed["partners"]
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-journal",
            json={
                "boundary_partner_id": first["id"],
                "period_start": "2026-01-01",
                "period_end": "2026-01-31",
                "marker_ratings": [
                    {"progress_marker_id": second["markers"][0]["id"], "rating": "high"}
                ],
            },
        )
        body = assert_problem(response, 422, "rating-marker-not-in-partner")
        assert body["errors"][0]["pointer"] == "/marker_ratings/0/progress_marker_id"

    async def test_partner_of_a_draft_map_or_another_project_is_422(self, client, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        url = f"/v1/projects/{project['id']}/outcome-journal"
        period = {"period_start": "2026-01-01", "period_end": "2026-01-31"}
        response = await client.post(
            url, json={"boundary_partner_id": draft["partners"][0]["id"], **period}
        )
        assert_problem(response, 422, "journal-needs-agreed-map")
        other = await build.project(title="ED streaming")
        other_map = await build.agreed_map(other["id"])
        response = await client.post(
            url, json={"boundary_partner_id": other_map["partners"][0]["id"], **period}
        )
        body = assert_problem(response, 422, "unknown-boundary-partner")
        assert body["errors"][0]["pointer"] == "/boundary_partner_id"

    async def test_unknown_rating_value_and_reversed_period_are_422(self, client, build) -> None:
        project, _, partner, markers = await setup(build)
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-journal",
            json={
                "boundary_partner_id": partner["id"],
                "period_start": "2026-02-01",
                "period_end": "2026-01-01",
                "marker_ratings": [{"progress_marker_id": markers[0], "rating": "excellent"}],
            },
        )
        pointers = {
            e["pointer"] for e in assert_problem(response, 422, "validation-error")["errors"]
        }
        assert "/marker_ratings/0/rating" in pointers


class TestAmendAndEdit:
    async def test_review_keeps_the_ratings_and_an_amendment_brings_its_own(
        self, client, build, entries
    ) -> None:
        project, _, partner, markers = await setup(build)
        base = f"/v1/projects/{project['id']}/outcome-journal"
        entry = await build.journal(
            project["id"], partner, "2026-01-01", "2026-03-31", {markers[0]: "low"}
        )
        reviewed = await entries.move("outcome-journal", entry, "reviewed")
        assert reviewed["marker_ratings"] == entry["marker_ratings"]
        amendment = await build.journal(
            project["id"],
            partner,
            "2026-01-01",
            "2026-03-31",
            {markers[0]: "medium"},
            amends_id=entry["id"],
        )
        assert [r["rating"] for r in amendment["marker_ratings"]] == ["medium"]
        original = (await client.get(f"{base}/{entry['id']}")).json()
        assert original["status"] == "amended"
        assert [r["rating"] for r in original["marker_ratings"]] == ["low"]

    async def test_an_amendment_corrects_only_the_same_partner(
        self, client, build, entries
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"], partners=2)
        first, second = agreed["partners"]
        entry = await build.journal(
            project["id"], first, "2026-01-01", "2026-03-31", {first["markers"][0]["id"]: "low"}
        )
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-journal",
            json={
                "boundary_partner_id": second["id"],
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
                "amends_id": entry["id"],
            },
        )
        assert_problem(response, 409, "journal-entry-not-amendable")

    async def test_draft_edits_replace_ratings_and_clear_evidence(
        self, client, build, entries
    ) -> None:
        project, _, partner, markers = await setup(build)
        draft = await build.journal(
            project["id"],
            partner,
            "2026-01-01",
            "2026-03-31",
            {markers[0]: "low"},
            submit=False,
            sources_of_evidence=[{"text": "Referral log"}],
        )
        url = f"/v1/projects/{project['id']}/outcome-journal/{draft['id']}"
        response = await client.patch(
            url,
            json={
                "marker_ratings": [{"progress_marker_id": markers[1], "rating": "high"}],
                "sources_of_evidence": None,
            },
        )
        assert response.status_code == 200, response.text
        edited = response.json()
        assert [r["progress_marker_id"] for r in edited["marker_ratings"]] == [markers[1]]
        assert edited["sources_of_evidence"] == []
        assert response.headers["ETag"] == f'"v{edited["version"]}"'
        response = await client.patch(url, json={"marker_ratings": None})
        assert_problem(response, 422, "validation-error")


class TestListOutcomeJournalEntries:
    async def test_filters(self, client, build, entries) -> None:
        project, _, partner, markers = await setup(build)
        await build.journal(project["id"], partner, "2026-01-01", "2026-03-31", {markers[0]: "low"})
        await build.journal(
            project["id"], partner, "2026-04-01", "2026-06-30", {markers[0]: "high"}, submit=False
        )
        base = f"/v1/projects/{project['id']}/outcome-journal"

        async def count(query: str) -> int:
            response = await client.get(f"{base}?{query}")
            assert response.status_code == 200, response.text
            return len(response.json()["items"])

        assert await count("status=draft") == 1
        assert await count("period_from=2026-04-01") == 1
        assert await count(f"partner_lineage_id={partner['lineage_id']}") == 2
        assert await count(f"boundary_partner_id={partner['id']}") == 2
        assert await count(f"boundary_partner_id={markers[0]}") == 0
        # The other journals' filter is not this one's: an unknown parameter is a 422.
        response = await client.get(f"{base}?outcome_map_id={partner['id']}")
        assert_problem(response, 422)
