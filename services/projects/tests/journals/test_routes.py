"""Outcome journals: append-only with amendments, reviewed read-only, no overlapping periods."""

from __future__ import annotations

from typing import Any

from shared.testing import TokenFactory, api_client


async def setup(build: Any) -> tuple[Any, ...]:
    project = await build.project()
    agreed = await build.agreed_map(project["id"], markers=("expect_to_see", "like_to_see"))
    partner = agreed["partners"][0]
    markers = [m["id"] for m in partner["markers"]]
    return project, agreed, partner, markers


class TestCreateOutcomeJournalEntry:
    async def test_records_ratings_and_submits_with_event(
        self, client, app, build, tokens: TokenFactory
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
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=journal.submitted")).json()["items"]
        assert (
            events[0]["data"]["journal_entry_id"] == entry["id"]
            and events[0]["data"]["journal"] == "outcome"
        )

    async def test_overlapping_period_for_the_partner_is_422(
        self, client, build, expect_problem
    ) -> None:
        project, _, partner, markers = await setup(build)
        await build.journal(project["id"], partner, "2026-01-01", "2026-03-31", {markers[0]: "low"})
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-journal",
            json={
                "boundary_partner_id": partner["id"],
                "period_start": "2026-03-31",
                "period_end": "2026-06-30",
            },
        )
        assert (
            expect_problem(response, 422, "overlapping-journal-period")["errors"][0]["pointer"]
            == "/period_start"
        )
        adjacent = await client.post(
            f"/v1/projects/{project['id']}/outcome-journal",
            json={
                "boundary_partner_id": partner["id"],
                "period_start": "2026-04-01",
                "period_end": "2026-06-30",
            },
        )
        assert adjacent.status_code == 201

    async def test_rating_a_marker_of_another_partner_is_422(
        self, client, build, expect_problem
    ) -> None:
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
        body = expect_problem(response, 422, "rating-marker-not-in-partner")
        assert body["errors"][0]["pointer"] == "/marker_ratings/0/progress_marker_id"

    async def test_partner_of_a_draft_map_is_422(self, client, build, expect_problem) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-journal",
            json={
                "boundary_partner_id": draft["partners"][0]["id"],
                "period_start": "2026-01-01",
                "period_end": "2026-01-31",
            },
        )
        expect_problem(response, 422, "journal-needs-agreed-map")

    async def test_unknown_rating_value_and_reversed_period_are_422(
        self, client, build, expect_problem
    ) -> None:
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
            e["pointer"] for e in expect_problem(response, 422, "validation-error")["errors"]
        }
        assert "/marker_ratings/0/rating" in pointers


class TestAmendAndReview:
    async def test_reviewed_entry_is_read_only_and_amendment_replaces_it(
        self, client, build, expect_problem
    ) -> None:
        project, _, partner, markers = await setup(build)
        base = f"/v1/projects/{project['id']}/outcome-journal"
        entry = await build.journal(
            project["id"], partner, "2026-01-01", "2026-03-31", {markers[0]: "low"}
        )
        reviewed = await client.post(f"{base}/{entry['id']}/review")
        assert reviewed.json()["status"] == "reviewed" and reviewed.json()["reviewed_by"] == "gov-1"
        expect_problem(
            await client.patch(f"{base}/{entry['id']}", json={"lessons": "x"}),
            409,
            "journal-entry-read-only",
        )
        expect_problem(
            await client.post(f"{base}/{entry['id']}/review"), 409, "illegal-journal-transition"
        )
        amendment = await build.journal(
            project["id"],
            partner,
            "2026-01-01",
            "2026-03-31",
            {markers[0]: "medium"},
            amends_id=entry["id"],
        )
        assert amendment["amends_id"] == entry["id"]
        assert (await client.get(f"{base}/{entry['id']}")).json()["status"] == "amended"
        again = await client.post(
            base,
            json={
                "boundary_partner_id": partner["id"],
                "period_start": "2026-01-01",
                "period_end": "2026-01-31",
                "amends_id": entry["id"],
            },
        )
        expect_problem(again, 409, "journal-entry-not-amendable")

    async def test_draft_edits_replace_ratings(self, client, build) -> None:
        project, _, partner, markers = await setup(build)
        draft = await build.journal(
            project["id"], partner, "2026-01-01", "2026-03-31", {markers[0]: "low"}, submit=False
        )
        response = await client.patch(
            f"/v1/projects/{project['id']}/outcome-journal/{draft['id']}",
            json={"marker_ratings": [{"progress_marker_id": markers[1], "rating": "high"}]},
        )
        assert [r["progress_marker_id"] for r in response.json()["marker_ratings"]] == [markers[1]]


class TestListOutcomeJournalEntries:
    async def test_filters(self, client, build) -> None:
        project, _, partner, markers = await setup(build)
        await build.journal(project["id"], partner, "2026-01-01", "2026-03-31", {markers[0]: "low"})
        await build.journal(
            project["id"], partner, "2026-04-01", "2026-06-30", {markers[0]: "high"}, submit=False
        )
        base = f"/v1/projects/{project['id']}/outcome-journal"
        assert len((await client.get(f"{base}?status=draft")).json()["items"]) == 1
        assert len((await client.get(f"{base}?period_from=2026-04-01")).json()["items"]) == 1
        assert (
            len(
                (await client.get(f"{base}?partner_lineage_id={partner['lineage_id']}")).json()[
                    "items"
                ]
            )
            == 2
        )
