"""Outcome-journal ratings point at the map version agreed during the entry's period (#14 item
10): hand-computed on a project whose version 1 was agreed on 10 January 2026 and version 2 on
15 June 2026 (the dates written into the rows, as if the workshops had been then)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from projects_service.journals.service.outcome import in_force_during
from projects_service.outcome_maps.models import OutcomeMap
from shared.testing import assert_problem

Json = dict[str, Any]
JAN_10 = dt.datetime(2026, 1, 10, 14, 0, tzinfo=dt.UTC)
JUN_15 = dt.datetime(2026, 6, 15, 9, 30, tzinfo=dt.UTC)


def _version(number: int, agreed: dt.datetime, superseded: dt.datetime | None) -> OutcomeMap:
    return OutcomeMap(
        id=uuid.uuid4(), map_version=number, agreed_at=agreed, superseded_at=superseded
    )


class TestInForceDuring:
    V1 = _version(1, JAN_10, JUN_15)
    V2 = _version(2, JUN_15, None)

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            ("2026-01-01", "2026-03-31", [1]),  # Q1: only v1 (v2 came in June)
            ("2026-04-01", "2026-06-30", [1, 2]),  # Q2: v1 until 15 June, v2 from then
            ("2026-06-15", "2026-06-15", [1, 2]),  # the day of the second workshop: both
            ("2026-06-01", "2026-06-14", [1]),  # the fortnight before it: v1 only
            ("2026-06-16", "2026-06-30", [2]),  # the fortnight after it: v2 only
            ("2026-07-01", "2026-09-30", [2]),  # Q3: v1 was superseded before it began
            ("2025-10-01", "2025-12-31", [1]),  # before any agreement: the first version
        ],
    )
    def test_the_versions_in_force(self, start: str, end: str, expected: list[int]) -> None:
        found = in_force_during(
            [self.V1, self.V2], dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        )
        assert [version.map_version for version in found] == expected

    def test_no_agreed_version_is_in_force_nowhere(self) -> None:
        assert in_force_during([], dt.date(2026, 1, 1), dt.date(2026, 3, 31)) == []


async def _two_versions(build: Any, client: Any, app: FastAPI) -> tuple[Json, Json, Json]:
    """A project, its version 1 (agreed 10 January) and version 2 (agreed 15 June), each as
    `GET` answers it, with one partner and one `expect_to_see` marker."""
    project = await build.project()
    v1 = await build.agreed_map(project["id"])
    maps = f"/v1/projects/{project['id']}/outcome-maps"
    draft = await build.ok("PATCH", f"{maps}/{v1['id']}", {"mission": "Revised"}, 201)
    await build.ok("POST", f"{maps}/{draft['id']}/transitions", {"to": "agreed"}, 200)
    async with app.state.database.sessionmaker() as session:
        for map_id, agreed, superseded in (
            (v1["id"], JAN_10, JUN_15),
            (draft["id"], JUN_15, None),
        ):
            await session.execute(
                update(OutcomeMap)
                .where(OutcomeMap.id == uuid.UUID(map_id))
                .values(agreed_at=agreed, superseded_at=superseded)
            )
        await session.commit()
    first = await build.ok("GET", f"{maps}/{v1['id']}")
    second = await build.ok("GET", f"{maps}/{draft['id']}")
    return project, first, second


def _marker(version: Json) -> str:
    marker_id: str = version["partners"][0]["markers"][0]["id"]
    return marker_id


class TestRatingsFollowTheVersionInForce:
    async def test_rating_version_2_for_a_period_before_it_was_agreed_is_422(
        self, build, client, app
    ) -> None:
        project, v1, v2 = await _two_versions(build, client, app)
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-journal",
            json={
                "boundary_partner_id": v2["partners"][0]["id"],
                "period_start": "2026-01-01",
                "period_end": "2026-03-31",
                "marker_ratings": [{"progress_marker_id": _marker(v2), "rating": "high"}],
            },
        )
        problem = assert_problem(response, 422, "rating-outside-map-version")
        assert [e["pointer"] for e in problem["errors"]] == ["/marker_ratings/0/progress_marker_id"]
        assert "Version 2 was agreed on 2026-06-15, after the period ended." in problem["detail"]
        assert problem["versions_in_force"] == [
            {
                "outcome_map_id": v1["id"],
                "map_version": 1,
                "boundary_partner_id": v1["partners"][0]["id"],
            }
        ]
        # The same quarter against version 1, as the problem says, is recorded.
        entry = await build.journal(
            project["id"], v1["partners"][0], "2026-01-01", "2026-03-31", {_marker(v1): "high"}
        )
        assert entry["status"] == "submitted"

    async def test_rating_version_1_after_it_was_superseded_is_422(
        self, build, client, app
    ) -> None:
        project, v1, v2 = await _two_versions(build, client, app)
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-journal",
            json={
                "boundary_partner_id": v1["partners"][0]["id"],
                "period_start": "2026-07-01",
                "period_end": "2026-09-30",
                "marker_ratings": [{"progress_marker_id": _marker(v1), "rating": "low"}],
            },
        )
        problem = assert_problem(response, 422, "rating-outside-map-version")
        assert (
            "Version 1 was superseded on 2026-06-15, before the period began."
            in (problem["detail"])
        )
        assert [v["map_version"] for v in problem["versions_in_force"]] == [2]
        entry = await build.journal(
            project["id"], v2["partners"][0], "2026-07-01", "2026-09-30", {_marker(v2): "low"}
        )
        assert entry["status"] == "submitted"

    async def test_a_period_spanning_the_second_workshop_may_rate_either(
        self, build, client, app
    ) -> None:
        project, _, v2 = await _two_versions(build, client, app)
        entry = await build.journal(
            project["id"], v2["partners"][0], "2026-04-01", "2026-06-30", {_marker(v2): "medium"}
        )
        assert entry["outcome_map_id"] == v2["id"]

    async def test_an_entry_without_ratings_is_not_checked(self, build, client, app) -> None:
        project, _, v2 = await _two_versions(build, client, app)
        entry = await build.journal(
            project["id"], v2["partners"][0], "2026-01-01", "2026-03-31", {}, submit=False
        )
        assert entry["marker_ratings"] == []

    async def test_a_baseline_before_the_first_agreement_rates_version_1(
        self, build, client, app
    ) -> None:
        project, v1, _ = await _two_versions(build, client, app)
        entry = await build.journal(
            project["id"], v1["partners"][0], "2025-10-01", "2025-12-31", {_marker(v1): "low"}
        )
        assert entry["status"] == "submitted"

    async def test_moving_a_rated_drafts_period_out_of_its_version_is_422(
        self, build, client, app
    ) -> None:
        project, v1, _ = await _two_versions(build, client, app)
        draft = await build.journal(
            project["id"],
            v1["partners"][0],
            "2026-01-01",
            "2026-03-31",
            {_marker(v1): "high"},
            submit=False,
        )
        url = f"/v1/projects/{project['id']}/outcome-journal/{draft['id']}"
        response = await client.patch(
            url, json={"period_start": "2026-07-01", "period_end": "2026-09-30"}
        )
        problem = assert_problem(response, 422, "rating-outside-map-version")
        assert [e["pointer"] for e in problem["errors"]] == ["/period_start", "/period_end"]
        unchanged = await build.ok("GET", url)
        assert (unchanged["period_start"], unchanged["version"]) == ("2026-01-01", draft["version"])
        # Replacing the ratings too is checked against the new period the same way.
        response = await client.patch(
            url,
            json={
                "period_start": "2026-07-01",
                "period_end": "2026-09-30",
                "marker_ratings": [{"progress_marker_id": _marker(v1), "rating": "low"}],
            },
        )
        assert_problem(response, 422, "rating-outside-map-version")
