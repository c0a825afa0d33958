"""`GET /v1/aggregates/portfolio`: the counts by stage at `as_of`, pillar, directorate and
innovation type, Core20PLUS5 tags and net zero, the filters and `project_ids`, and `as_of`
reproducibility, on hand-built portfolios."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from fastapi import FastAPI

from services.projects.tests.aggregates.support import T0, counts, decide, move, portfolio
from shared.testing import FakeAssessment, ManualClock

DAY = dt.timedelta(days=1)


async def three_projects(
    client: httpx.AsyncClient,
    build: Any,
    app: FastAPI,
    assessment: FakeAssessment,
    clock: ManualClock,
) -> tuple[str, str, str]:
    """P1 and P2 made at T0, P3 a day later; P1 crosses G0 at T0+2d, P2 pauses at T0+3d."""
    clock.freeze(T0)
    p1 = await build.project(
        innovation_type="digital_technology",
        directorate="medicine",
        core20plus5_tags=["maternity", "core20_deprivation"],
        net_zero_relevant=True,
    )
    p2 = await build.project(
        pillar="innovation_governance",
        innovation_type="other",
        directorate="surgery",
        core20plus5_tags=["maternity"],
    )
    clock.freeze(T0 + DAY)
    p3 = await build.project(directorate=None, net_zero_relevant=True)
    clock.freeze(T0 + 2 * DAY)
    await decide(app, assessment, p1["id"], "g0_triage", "proceed", decided_at=T0 + 2 * DAY)
    clock.freeze(T0 + 3 * DAY)
    await move(client, p2["id"], "paused")
    clock.freeze(T0 + 4 * DAY)
    return p1["id"], p2["id"], p3["id"]


class TestCounts:
    async def test_by_stage_as_it_stood_at_as_of(
        self,
        client: httpx.AsyncClient,
        build: Any,
        app: FastAPI,
        assessment: Any,
        clock: ManualClock,
    ) -> None:
        await three_projects(client, build, app, assessment, clock)
        early = await portfolio(client, as_of=T0 + dt.timedelta(hours=12))
        assert early["projects"] == 2 and counts(early["by_stage"]) == {"idea": 2}
        middle = await portfolio(client, as_of=T0 + 2 * DAY + dt.timedelta(hours=1))
        assert middle["projects"] == 3
        assert counts(middle["by_stage"]) == {"idea": 2, "scoping": 1}
        now = await portfolio(client)
        assert counts(now["by_stage"]) == {"idea": 1, "scoping": 1, "paused": 1}
        # Every stage is listed, zeros included, in the stage order.
        assert [row["key"] for row in now["by_stage"]][:3] == ["idea", "scoping", "design"]
        assert len(now["by_stage"]) == 11

    async def test_by_pillar_directorate_type_tags_and_net_zero(
        self,
        client: httpx.AsyncClient,
        build: Any,
        app: FastAPI,
        assessment: Any,
        clock: ManualClock,
    ) -> None:
        await three_projects(client, build, app, assessment, clock)
        body = await portfolio(client)
        assert counts(body["by_pillar"]) == {"project_innovation": 2, "innovation_governance": 1}
        assert counts(body["by_directorate"]) == {"medicine": 1, "surgery": 1, None: 1}
        assert counts(body["by_innovation_type"]) == {
            "digital_technology": 1,
            "other": 1,
            "service_or_pathway_redesign": 1,
        }
        assert counts(body["core20plus5"]) == {"maternity": 2, "core20_deprivation": 1}
        assert body["net_zero"]["projects"] == 3
        assert body["net_zero"]["relevant"] == 2
        assert body["net_zero"]["share"] == 0.6667
        assert set(body["definitions"]) >= {"by_stage", "gate_funnel.entered", "days_in_stage"}

    async def test_an_empty_portfolio(self, client: httpx.AsyncClient) -> None:
        body = await portfolio(client)
        assert body["projects"] == 0 and body["project_ids"] is None
        assert body["net_zero"]["share"] is None
        assert all(row["conversion"] is None for row in body["gate_funnel"])
        assert all(row["median_days"] is None for row in body["days_in_stage"])


class TestFilters:
    async def test_each_filter_selects_the_set_and_names_its_ids(
        self,
        client: httpx.AsyncClient,
        build: Any,
        app: FastAPI,
        assessment: Any,
        clock: ManualClock,
    ) -> None:
        p1, p2, p3 = await three_projects(client, build, app, assessment, clock)
        assert (await portfolio(client))["project_ids"] is None
        governance = await portfolio(client, pillar="innovation_governance")
        assert governance["project_ids"] == [p2] and governance["projects"] == 1
        assert governance["filters"]["pillar"] == "innovation_governance"
        medicine = await portfolio(client, directorate="medicine")
        assert medicine["project_ids"] == [p1]
        assert counts(medicine["core20plus5"]) == {"maternity": 1, "core20_deprivation": 1}
        typed = await portfolio(client, innovation_type="service_or_pathway_redesign")
        assert typed["project_ids"] == [p3]
        # The stage filter is the stage at as_of.
        at = T0 + 2 * DAY + dt.timedelta(hours=1)
        idea_then = await portfolio(client, stage="idea", as_of=at)
        assert idea_then["project_ids"] == sorted([p2, p3])
        assert counts(idea_then["by_stage"]) == {"idea": 2}
        paused_now = await portfolio(client, stage="paused")
        assert paused_now["project_ids"] == [p2]
        both = await portfolio(client, stage="idea", pillar="innovation_governance", as_of=at)
        assert both["project_ids"] == [p2]
        none = await portfolio(client, directorate="oncology")
        assert none["project_ids"] == [] and none["projects"] == 0


class TestAsOfReproducibility:
    async def test_a_later_change_does_not_alter_an_earlier_answer(
        self,
        client: httpx.AsyncClient,
        build: Any,
        app: FastAPI,
        assessment: Any,
        clock: ManualClock,
    ) -> None:
        p1, p2, p3 = await three_projects(client, build, app, assessment, clock)
        at = T0 + 3 * DAY + dt.timedelta(hours=1)
        before = await portfolio(client, as_of=at)
        filtered = await portfolio(client, as_of=at, stage="idea")
        # Later: P1 crosses G1, P2 resumes and P3 stops, a new project, a team, a benefit.
        clock.freeze(T0 + 5 * DAY)
        await decide(app, assessment, p1, "g1_scoping", "proceed", decided_at=T0 + 5 * DAY)
        await move(client, p2, "idea")
        await move(client, p3, "stopped")
        extra = await build.project()
        await build.member(extra["id"], "lead-1", "project_lead")
        benefit = await build.ok(
            "POST",
            f"/v1/projects/{p1}/benefits",
            {"kind": "carbon", "title": "Fewer journeys", "unit": "tCO2e", "confidence": "low"},
        )
        await build.ok(
            "POST",
            f"/v1/projects/{p1}/benefits/{benefit['id']}/values",
            # Dated before `at`, but recorded after it: not known at `at`.
            {"value_type": "estimated", "amount": 12.5, "as_at": "2026-03-03"},
        )
        clock.freeze(T0 + 6 * DAY)
        assert await portfolio(client, as_of=at) == before
        assert await portfolio(client, as_of=at, stage="idea") == filtered
        assert counts((await portfolio(client))["by_stage"]) != counts(before["by_stage"])
