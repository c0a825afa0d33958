"""The gate funnel (entered, decided, proceeded, stopped, conversion) and days in stage (median
and 90th percentile), hand-computed; the portable percentile equals `percentile_cont`."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from projects_service.aggregates.repository import portfolio as counts
from projects_service.aggregates.repository.population import SetFilters
from projects_service.projects.models import Stage, StageChange, StageChangeKind
from services.projects.tests.aggregates.support import (
    T0,
    by_gate,
    by_stage,
    decide,
    move,
    portfolio,
)
from shared.testing import FakeAssessment, ManualClock

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


async def four_decided_projects(
    build: Any, app: FastAPI, assessment: FakeAssessment, clock: ManualClock
) -> list[str]:
    """P1: G0 proceed, G1 stop. P2: G0 adapt, then proceed. P3: G0 proceed corrected to stop.
    P4: a G2 decision that does not fit its stage (rejected). All made at T0."""
    clock.freeze(T0)
    ids = [(await build.project(title=f"P{n}"))["id"] for n in range(1, 5)]
    p1, p2, p3, p4 = ids
    clock.freeze(T0 + DAY)
    await decide(app, assessment, p1, "g0_triage", "proceed", decided_at=T0 + DAY)
    await decide(app, assessment, p2, "g0_triage", "adapt", decided_at=T0 + DAY)
    corrected = await decide(app, assessment, p3, "g0_triage", "proceed", decided_at=T0 + DAY)
    await decide(app, assessment, p4, "g2_pilot_approval", "proceed", decided_at=T0 + DAY)
    clock.freeze(T0 + 2 * DAY)
    await decide(app, assessment, p1, "g1_scoping", "stop", decided_at=T0 + 2 * DAY)
    await decide(app, assessment, p2, "g0_triage", "proceed", decided_at=T0 + 2 * DAY)
    await decide(
        app,
        assessment,
        p3,
        "g0_triage",
        "stop",
        decided_at=T0 + 2 * DAY,
        supersedes_id=corrected,
    )
    clock.freeze(T0 + 3 * DAY)
    return ids


def funnel(body: dict[str, Any], gate: str) -> tuple[Any, ...]:
    row = by_gate(body)[gate]
    return (row["entered"], row["decided"], row["proceeded"], row["stopped"], row["conversion"])


class TestGateFunnel:
    async def test_hand_computed(
        self,
        client: httpx.AsyncClient,
        build: Any,
        app: FastAPI,
        assessment: Any,
        clock: ManualClock,
    ) -> None:
        await four_decided_projects(build, app, assessment, clock)
        body = await portfolio(client)
        assert [row["gate"] for row in body["gate_funnel"]] == [
            "g0_triage",
            "g1_scoping",
            "g2_pilot_approval",
            "g3_post_pilot_review",
            "g4_scale_or_adopt",
            "g5_sustainability_review",
        ]
        # G0: all four arrived in idea; P1 and P2 proceed (P2's latest), P3's proceed was
        # corrected to stop; P4's decision was rejected.
        assert funnel(body, "g0_triage") == (4, 3, 2, 1, 0.6667)
        # G1: P1, P2 and P3 arrived in scoping; only P1 was decided (stop).
        assert funnel(body, "g1_scoping") == (3, 1, 0, 1, 0.0)
        assert funnel(body, "g2_pilot_approval") == (0, 0, 0, 0, None)

    async def test_filtered_by_the_stage_at_as_of_and_by_pillar(
        self,
        client: httpx.AsyncClient,
        build: Any,
        app: FastAPI,
        assessment: Any,
        clock: ManualClock,
    ) -> None:
        p1, _, p3, _ = await four_decided_projects(build, app, assessment, clock)
        stopped = await portfolio(client, stage="stopped")
        assert stopped["project_ids"] == sorted([p1, p3])
        # P1 proceeded at G0 and stopped at G1; P3's G0 proceed was corrected to stop.
        assert funnel(stopped, "g0_triage") == (2, 2, 1, 1, 0.5)
        assert funnel(stopped, "g1_scoping") == (2, 1, 0, 1, 0.0)
        # Their idea stays: P1 and P3 one day each; their scoping stays one day each too.
        stages = by_stage(stopped)
        assert (stages["idea"]["stays"], stages["idea"]["median_days"]) == (2, 1.0)
        assert (stages["scoping"]["stays"], stages["scoping"]["p90_days"]) == (2, 1.0)
        clock.freeze(T0 + 3 * DAY)
        other = await build.project(pillar="innovation_governance")
        clock.freeze(T0 + 4 * DAY)
        await decide(app, assessment, other["id"], "g0_triage", "proceed", decided_at=T0 + 4 * DAY)
        governance = await portfolio(client, pillar="innovation_governance")
        assert governance["project_ids"] == [other["id"]]
        assert funnel(governance, "g0_triage") == (1, 1, 1, 0, 1.0)
        assert funnel(governance, "g1_scoping") == (1, 0, 0, 0, None)
        assert by_stage(governance)["idea"]["stays"] == 1

    async def test_as_of_before_the_correction(
        self,
        client: httpx.AsyncClient,
        build: Any,
        app: FastAPI,
        assessment: Any,
        clock: ManualClock,
    ) -> None:
        await four_decided_projects(build, app, assessment, clock)
        body = await portfolio(client, as_of=T0 + DAY + HOUR)
        assert funnel(body, "g0_triage") == (4, 3, 2, 0, 0.6667)
        assert funnel(body, "g1_scoping") == (2, 0, 0, 0, None)

    async def test_a_period(
        self,
        client: httpx.AsyncClient,
        build: Any,
        app: FastAPI,
        assessment: Any,
        clock: ManualClock,
    ) -> None:
        await four_decided_projects(build, app, assessment, clock)
        body = await portfolio(client, **{"from": T0 + DAY + 12 * HOUR})
        assert body["period"]["from"] == "2026-03-03T21:00:00Z"
        # Decided in the period: P2's proceed and P3's correction (G0), P1's stop (G1).
        assert funnel(body, "g0_triage") == (0, 2, 1, 1, 0.5)
        assert funnel(body, "g1_scoping") == (1, 1, 0, 1, 0.0)
        ended = await portfolio(client, to=T0 + DAY + 12 * HOUR)
        # Known now: P3's proceed in the period was corrected (after it), so it no longer
        # counts; P1 proceeded, P2 adapted.
        assert funnel(ended, "g0_triage") == (4, 2, 1, 0, 0.5)


async def paused_at(
    client: httpx.AsyncClient, build: Any, clock: ManualClock, days: list[int]
) -> list[str]:
    """One project per entry of `days`, all made at T0, each paused that many days later."""
    clock.freeze(T0)
    ids = [(await build.project())["id"] for _ in days]
    for project_id, day in sorted(zip(ids, days, strict=True), key=lambda pair: pair[1]):
        clock.freeze(T0 + day * DAY)
        await move(client, project_id, "paused")
    return ids


class TestDaysInStage:
    async def test_median_and_p90_by_hand(
        self, client: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        ids = await paused_at(client, build, clock, [2, 3, 6, 10])
        clock.freeze(T0 + 12 * DAY)
        await move(client, ids[3], "idea")  # resumed after 2 days paused
        clock.freeze(T0 + 13 * DAY)
        stages = by_stage(await portfolio(client))
        # idea stays 2, 3, 6, 10: median (3 + 6) / 2; p90 at rank 0.9 * 3 = 2.7: 6 + 0.7 * 4.
        assert stages["idea"] == {
            "stage": "idea",
            "stays": 4,
            "median_days": 4.5,
            "p90_days": 8.8,
            "ongoing": 1,
        }
        assert stages["paused"] == {
            "stage": "paused",
            "stays": 1,
            "median_days": 2.0,
            "p90_days": 2.0,
            "ongoing": 3,
        }
        assert stages["scoping"]["stays"] == 0 and stages["scoping"]["median_days"] is None

    async def test_as_of_and_a_period(
        self, client: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        await paused_at(client, build, clock, [2, 3, 6, 10])
        clock.freeze(T0 + 13 * DAY)
        then = by_stage(await portfolio(client, as_of=T0 + 5 * DAY))
        # Stays of 2 and 3 days had ended: median 2.5, p90 2 + 0.9 * 1.
        assert (then["idea"]["stays"], then["idea"]["median_days"], then["idea"]["p90_days"]) == (
            2,
            2.5,
            2.9,
        )
        assert then["idea"]["ongoing"] == 2 and then["paused"]["ongoing"] == 2
        window = by_stage(
            await portfolio(client, **{"from": T0 + 2 * DAY + 12 * HOUR, "to": T0 + 7 * DAY})
        )
        # Stays that ended in the period: 3 and 6 days; p90 3 + 0.9 * 3.
        assert (window["idea"]["median_days"], window["idea"]["p90_days"]) == (4.5, 5.7)


class TestPortablePercentile:
    async def test_the_window_form_equals_percentile_cont(
        self, build: Any, app: FastAPI, clock: ManualClock
    ) -> None:
        """Random stays in three stages (1 to 9 per stage). SQLite: the window form equals
        Python's inclusive quantiles (percentile_cont's definition); PostgreSQL: it equals
        percentile_cont as well."""
        clock.freeze(T0)
        rng = random.Random(11)
        projects = [uuid.UUID((await build.project())["id"]) for _ in range(12)]
        expected: dict[str, list[float]] = {}
        database = app.state.database
        async with database.sessionmaker() as session:
            for project_id in projects:
                at = T0
                for _ in range(rng.randint(0, 3)):
                    stage = rng.choice([Stage.idea, Stage.scoping, Stage.design])
                    hours = rng.randint(1, 400)
                    at += dt.timedelta(hours=hours)
                    session.add(
                        StageChange(
                            project_id=project_id,
                            from_stage=stage,
                            to_stage=Stage.paused,
                            kind=StageChangeKind.transition,
                            action="test",
                            occurred_at=at,
                        )
                    )
            await session.commit()
        clock.freeze(T0 + 200 * DAY)
        async with database.sessionmaker() as session:
            durations = counts.stage_durations(
                T0 + 200 * DAY, None, T0 + 200 * DAY, SetFilters(), database.engine.dialect.name
            )
            for stage, days in (await session.execute(durations.select())).all():
                expected.setdefault(stage, []).append(float(days))
            window = await counts.days_in_stage(
                session, T0 + 200 * DAY, None, T0 + 200 * DAY, SetFilters(), method="window"
            )
            results = {"window": window}
            if database.engine.dialect.name == "postgresql":
                results["percentile_cont"] = await counts.days_in_stage(
                    session,
                    T0 + 200 * DAY,
                    None,
                    T0 + 200 * DAY,
                    SetFilters(),
                    method="percentile_cont",
                )
        assert len(expected) >= 3
        for method, rows in results.items():
            got = {str(row[0]): (int(row[1]), float(row[2]), float(row[3])) for row in rows}
            for name, values in expected.items():
                if len(values) == 1:
                    median = p90 = values[0]
                else:
                    cuts = statistics.quantiles(values, n=10, method="inclusive")
                    median, p90 = statistics.median(values), cuts[8]
                n, got_median, got_p90 = got[name]
                assert n == len(values), method
                assert abs(got_median - median) < 1e-6, (method, name)
                assert abs(got_p90 - p90) < 1e-6, (method, name)
