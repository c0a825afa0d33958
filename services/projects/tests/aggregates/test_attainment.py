"""`GET /v1/aggregates/projects/{id}/attainment`: per partner and marker level, one point per
outcome journal period (markers, rated, attained, share), as the entries stood at `as_of`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from services.projects.tests.aggregates.support import T0, iso
from shared.testing import ManualClock


def points(series: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (p["period_start"], p["markers"], p["rated"], p["attained"], p["attainment_share"])
        for p in series["periods"]
    ]


class TestAttainmentOverTime:
    async def test_by_partner_level_and_period(
        self, client: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        clock.freeze(T0)
        project = (await build.project())["id"]
        agreed = await build.agreed_map(
            project, markers=("expect_to_see", "expect_to_see", "like_to_see")
        )
        partner = agreed["partners"][0]
        by_level: dict[str, list[str]] = {}
        for marker in partner["markers"]:
            by_level.setdefault(marker["level"], []).append(marker["id"])
        (e1, e2), (l1,) = by_level["expect_to_see"], by_level["like_to_see"]
        await build.journal(
            project, partner, "2026-01-01", "2026-01-31", {e1: "high", e2: "low", l1: "medium"}
        )
        clock.freeze(T0 + dt.timedelta(days=1))
        await build.journal(
            project, partner, "2026-02-01", "2026-02-28", {e1: "high", e2: "medium"}
        )
        clock.freeze(T0 + dt.timedelta(days=2))
        url = f"/v1/aggregates/projects/{project}/attainment"
        body = (await client.get(url)).json()
        series = {s["level"]: s for s in body["series"]}
        assert set(series) == {"expect_to_see", "like_to_see"}  # no love markers, no ratings
        assert series["expect_to_see"]["name"] == partner["name"]
        assert points(series["expect_to_see"]) == [
            ("2026-01-01", 2, 2, 1, 0.5),
            ("2026-02-01", 2, 2, 2, 1.0),
        ]
        assert points(series["like_to_see"]) == [
            ("2026-01-01", 1, 1, 1, 1.0),
            ("2026-02-01", 1, 0, 0, 0.0),
        ]
        assert "attainment_share" in body["definitions"]
        earlier = (await client.get(url, params={"as_of": iso(T0 + dt.timedelta(hours=1))})).json()
        assert [points(s) for s in earlier["series"]] == [
            [("2026-01-01", 2, 2, 1, 0.5)],
            [("2026-01-01", 1, 1, 1, 1.0)],
        ]

    async def test_a_project_without_journals(self, client: httpx.AsyncClient, build: Any) -> None:
        project = (await build.project())["id"]
        body = (await client.get(f"/v1/aggregates/projects/{project}/attainment")).json()
        assert body["series"] == [] and body["project_id"] == project
