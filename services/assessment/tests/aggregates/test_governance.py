"""`POST /v1/aggregates/governance`: each figure against a portfolio computed by hand, as of
several instants; a later change leaves an earlier `as_of` alone; the project set; who may read;
bad input.

The portfolio (2026; every decision's recommendation is `proceed`):
- P1: g0 `proceed` on 10 Jan (follows); g1 `stop` on 10 Mar (override).
- P2: g0 `proceed_with_conditions` on 20 Jan (override) with conditions C1 due 15 Feb (met on
  1 Mar), C2 due 30 Apr, C3 due 1 Apr; corrected on 5 May by `adapt` (override, supersedes).
- P3: g0 `pause` on 5 Feb (override).
- P4: no decision; an evaluation active since 20 Dec 2025 with a pivot decided 15 Mar
  (recorded 16 Mar), implemented 20 Mar.
- P5: g0 `proceed` on 10 Apr; a planned evaluation (never started).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from shared.testing import assert_problem

from .conftest import Build, at, iso

PERIOD = {"from": "2026-01-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}


async def portfolio(build: Build, *, corrected: bool = True) -> dict[str, Any]:
    p = {name: build.project() for name in ("p1", "p2", "p3", "p4", "p5")}
    d1 = await build.decision_at(p["p1"], "proceed", at("2026-01-10T10:00"))
    await build.decision_at(p["p1"], "stop", at("2026-03-10T10:00"), gate="g1_scoping")
    d3_assessment_time = at("2026-01-20T09:00")
    build.now(d3_assessment_time)
    a3 = await build.scored(p["p2"])
    d3 = await build.decide(
        a3,
        "proceed_with_conditions",
        at("2026-01-20T10:00"),
        conditions=[
            {"text": "C1", "owner": "pm", "due_date": "2026-02-15"},
            {"text": "C2", "owner": "pm", "due_date": "2026-04-30"},
            {"text": "C3", "owner": "pm", "due_date": "2026-04-01"},
        ],
    )
    c1 = next(i for i, c in enumerate(d3["conditions"]) if c["text"] == "C1")
    await build.close_condition(d3, c1, "met", at("2026-03-01T10:00"))
    await build.decision_at(p["p3"], "pause", at("2026-02-05T10:00"))
    build.now(at("2025-12-20T10:00"))
    evaluation = await build.evaluation(p["p4"], start="2026-01-01")
    build.now(at("2026-03-16T10:00"))
    pivot = await build.pivot(evaluation, at("2026-03-15T10:00"))
    await build.implement(pivot["id"], at("2026-03-20T10:00"))
    build.now(at("2026-01-05T10:00"))
    await build.evaluation(p["p5"], start="2026-02-01", active=False)
    await build.decision_at(p["p5"], "proceed", at("2026-04-10T10:00"))
    if corrected:
        await build.decide(a3, "adapt", at("2026-05-05T10:00"), supersedes_id=d3["id"])
    build.now(at("2026-06-01T00:00"))
    return {**p, "d1": d1, "d3": d3, "a3": a3}


async def figures(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/aggregates/governance", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def outcomes(result: dict[str, Any]) -> dict[str, int]:
    return {row["outcome"]: row["projects"] for row in result["latest_outcome"] if row["projects"]}


def gates(result: dict[str, Any]) -> dict[str, tuple[int, int]]:
    return {
        row["gate"]: (row["decisions"], row["against_recommendation"])
        for row in result["by_gate"]
        if row["decisions"]
    }


@pytest.fixture
async def built(build: Build) -> dict[str, Any]:
    return await portfolio(build)


class TestFigures:
    async def test_mid_april(self, client: httpx.AsyncClient, built: dict[str, Any]) -> None:
        result = await figures(client, as_of="2026-04-15T00:00:00Z", **PERIOD)
        assert result["as_of"] == "2026-04-15T00:00:00Z"
        assert (result["from"], result["to"]) == (PERIOD["from"], PERIOD["to"])
        assert result["projects_filtered"] is False
        assert result["projects_decided"] == 4
        assert outcomes(result) == {
            "stop": 1,
            "proceed_with_conditions": 1,
            "pause": 1,
            "proceed": 1,
        }
        # Every outcome and every gate is listed, zeros included.
        assert len(result["latest_outcome"]) == 7
        assert [row["gate"] for row in result["by_gate"]][:2] == ["g0_triage", "g1_scoping"]
        assert len(result["by_gate"]) == 6
        # In [1 Jan, 1 Apr): D1 (follows), D3 and D5 (override) at g0; D2 (override) at g1.
        assert gates(result) == {"g0_triage": (3, 2), "g1_scoping": (1, 1)}
        assert (result["decisions_in_period"], result["against_recommendation"]) == (4, 3)
        assert result["override_rate"] == 0.75
        g0 = next(row for row in result["by_gate"] if row["gate"] == "g0_triage")
        assert g0["override_rate"] == pytest.approx(2 / 3)
        g5 = result["by_gate"][-1]
        assert (g5["decisions"], g5["override_rate"]) == (0, None)
        # C1 met on 1 Mar; C2 (due 30 Apr) and C3 (due 1 Apr) open, C3 past due.
        assert result["conditions"] == {"open": 2, "past_due": 1}
        assert result["evaluations"] == {"active": 1, "pivots": 1, "pivots_implemented": 1}
        assert result["suppressed"] == []
        assert set(result["definitions"]) >= {
            "latest_outcome",
            "override_rate",
            "conditions.open",
            "conditions.past_due",
            "evaluations.active",
            "evaluations.pivots",
        }

    async def test_early_march(self, client: httpx.AsyncClient, built: dict[str, Any]) -> None:
        result = await figures(client, as_of="2026-03-05T00:00:00Z", **PERIOD)
        assert result["projects_decided"] == 3
        assert outcomes(result) == {"proceed": 1, "proceed_with_conditions": 1, "pause": 1}
        assert gates(result) == {"g0_triage": (3, 2)}
        assert result["conditions"] == {"open": 2, "past_due": 0}
        # The pivot was decided and recorded after 5 March.
        assert result["evaluations"] == {"active": 1, "pivots": 0, "pivots_implemented": 0}

    async def test_before_the_pivot_was_implemented(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        result = await figures(client, as_of="2026-03-17T00:00:00Z", **PERIOD)
        assert result["evaluations"] == {"active": 1, "pivots": 1, "pivots_implemented": 0}

    async def test_a_condition_past_due_until_met(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        result = await figures(client, as_of="2026-02-20T00:00:00Z", **PERIOD)
        assert result["conditions"] == {"open": 3, "past_due": 1}

    async def test_a_correction_replaces_what_it_supersedes(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        result = await figures(client, as_of="2026-05-10T00:00:00Z", **PERIOD)
        assert outcomes(result) == {"stop": 1, "adapt": 1, "pause": 1, "proceed": 1}
        # D3 is superseded by then (its correction falls outside the period).
        assert gates(result) == {"g0_triage": (2, 1), "g1_scoping": (1, 1)}
        # The superseded decision's conditions are no longer counted.
        assert result["conditions"] == {"open": 0, "past_due": 0}

    async def test_before_anything(self, client: httpx.AsyncClient, built: dict[str, Any]) -> None:
        result = await figures(client, as_of="2025-12-01T00:00:00Z")
        assert result["projects_decided"] == 0
        assert result["decisions_in_period"] == 0
        assert result["override_rate"] is None
        assert result["evaluations"] == {"active": 0, "pivots": 0, "pivots_implemented": 0}

    async def test_the_period_bounds(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        # A period ending when P4's evaluation was made active counts none (`to` is exclusive).
        result = await figures(
            client,
            as_of="2026-04-15T00:00:00Z",
            **{"from": "2025-11-01T00:00:00Z", "to": "2025-12-20T10:00:00Z"},
        )
        assert result["evaluations"]["active"] == 0
        # `to` is exclusive: a period ending at D1's instant leaves it out.
        result = await figures(
            client,
            as_of="2026-04-15T00:00:00Z",
            **{"from": "2026-01-01T00:00:00Z", "to": "2026-01-10T10:00:00Z"},
        )
        assert result["decisions_in_period"] == 0
        result = await figures(
            client,
            as_of="2026-04-15T00:00:00Z",
            **{"from": "2026-01-10T10:00:00Z", "to": "2026-01-10T10:00:01Z"},
        )
        assert result["decisions_in_period"] == 1


async def test_active_evaluations_from_their_status_history(
    build: Build, client: httpx.AsyncClient
) -> None:
    """E1 active 15 Jan - 10 Mar, E2 never started, E3 active from 1 May."""
    build.now(at("2026-01-01T10:00"))
    e1 = await build.evaluation(build.project(), start="2026-01-01", active=False)
    await build.evaluation(build.project(), start="2026-01-01", active=False)
    e3 = await build.evaluation(build.project(), start="2026-01-01", active=False)
    await build.move_evaluation(e1, "active", at("2026-01-15T10:00"))
    await build.move_evaluation(e1, "concluded", at("2026-03-10T10:00"))
    await build.move_evaluation(e3, "active", at("2026-05-01T10:00"))
    build.now(at("2026-06-01T00:00"))

    async def active(as_of: str, start: str, end: str) -> int:
        result = await figures(client, as_of=as_of, **{"from": start, "to": end})
        count: int = result["evaluations"]["active"]
        return count

    assert await active("2026-04-15T00:00:00Z", "2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z") == 1
    # Concluded before the period began.
    assert await active("2026-04-15T00:00:00Z", "2026-03-15T00:00:00Z", "2026-04-01T00:00:00Z") == 0
    # ... but not yet concluded as of 1 March.
    assert await active("2026-03-01T00:00:00Z", "2026-03-15T00:00:00Z", "2026-04-01T00:00:00Z") == 1
    # Not yet active as of 10 January.
    assert await active("2026-01-10T00:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z") == 0
    assert await active("2026-06-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z") == 2


class TestProjectSet:
    async def test_only_the_listed_projects(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        result = await figures(
            client, as_of="2026-04-15T00:00:00Z", project_ids=[built["p1"], built["p4"]], **PERIOD
        )
        assert result["projects_filtered"] is True
        assert outcomes(result) == {"stop": 1}
        assert gates(result) == {"g0_triage": (1, 0), "g1_scoping": (1, 1)}
        assert result["conditions"] == {"open": 0, "past_due": 0}
        assert result["evaluations"] == {"active": 1, "pivots": 1, "pivots_implemented": 1}

    async def test_conditions_of_the_listed_projects(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        result = await figures(
            client, as_of="2026-04-15T00:00:00Z", project_ids=[built["p2"]], **PERIOD
        )
        assert result["conditions"] == {"open": 2, "past_due": 1}
        assert result["evaluations"]["active"] == 0

    async def test_an_empty_set_counts_nothing(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        result = await figures(client, as_of="2026-04-15T00:00:00Z", project_ids=[], **PERIOD)
        assert result["projects_decided"] == 0
        assert result["conditions"] == {"open": 0, "past_due": 0}

    async def test_many_ids_as_one_parameter(
        self, client: httpx.AsyncClient, built: dict[str, Any]
    ) -> None:
        # The bound, 20,000 ids, fits in the default body limit; they travel as one bound value.
        ids = [str(uuid.uuid4()) for _ in range(19_999)] + [built["p3"]]
        result = await figures(client, as_of="2026-04-15T00:00:00Z", project_ids=ids, **PERIOD)
        assert outcomes(result) == {"pause": 1}


async def test_a_later_change_leaves_an_earlier_as_of_alone(
    build: Build, client: httpx.AsyncClient
) -> None:
    built = await portfolio(build, corrected=False)
    body = {"as_of": "2026-04-15T00:00:00Z", **PERIOD}
    before = await figures(client, **body)
    # After 15 April: C2 waived, D3 corrected (its open C3 follows it), another pivot decided
    # in the period but recorded late, a new decision.
    c2 = next(i for i, c in enumerate(built["d3"]["conditions"]) if c["text"] == "C2")
    await build.close_condition(built["d3"], c2, "waived", at("2026-05-04T10:00"))
    await build.decide(
        built["a3"], "adapt", at("2026-05-05T10:00"), supersedes_id=built["d3"]["id"]
    )
    build.now(at("2026-05-07T10:00"))
    p6 = build.project()
    evaluation = await build.evaluation(p6, start="2026-01-01")
    await build.pivot(evaluation, at("2026-02-01T10:00"))
    await build.decision_at(p6, "stop", at("2026-05-08T10:00"))
    late = await build.evaluation(build.project(), start="2026-01-01", active=False)
    await build.move_evaluation(late, "active", at("2026-05-09T10:00"))
    build.now(at("2026-06-01T00:00"))
    after = await figures(client, **body)
    assert after == before
    now = await figures(client, as_of="2026-06-01T00:00:00Z", **PERIOD)
    assert now != before


class TestWhoMayRead:
    @pytest.mark.parametrize("role", ["governance", "admin", "reporter", "viewer", "service"])
    async def test_readers(self, reader: Any, role: str) -> None:
        response = await reader(role).post("/v1/aggregates/governance", json={})
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize("role", ["evaluator", "contributor"])
    async def test_others_are_refused(self, reader: Any, role: str) -> None:
        response = await reader(role).post("/v1/aggregates/governance", json={})
        assert_problem(response, 403)


class TestBadInput:
    async def test_as_of_in_the_future(self, client: httpx.AsyncClient) -> None:
        later = iso(dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
        response = await client.post("/v1/aggregates/governance", json={"as_of": later})
        assert_problem(response, 422, "as-of-in-future")
        assert response.json()["errors"][0]["pointer"] == "/as_of"

    async def test_from_after_to(self, client: httpx.AsyncClient) -> None:
        response = await client.post(
            "/v1/aggregates/governance",
            json={"from": "2026-03-01T00:00:00Z", "to": "2026-02-01T00:00:00Z"},
        )
        assert_problem(response, 422, "invalid-period")
        assert response.json()["errors"][0]["pointer"] == "/from"

    @pytest.mark.parametrize(
        "body",
        [
            {"as_of": "2026-03-01T00:00:00"},  # naive
            {"as_of": "yesterday"},
            {"project_ids": ["not-a-uuid"]},
            {"project_ids": "all"},
            {"period": "q1"},  # unknown field
        ],
    )
    async def test_malformed(self, client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        response = await client.post("/v1/aggregates/governance", json=body)
        assert_problem(response, 422)

    async def test_defaults(self, client: httpx.AsyncClient) -> None:
        result = await figures(client)
        as_of = dt.datetime.fromisoformat(result["as_of"])
        assert dt.datetime.fromisoformat(result["to"]) == as_of
        assert as_of - dt.datetime.fromisoformat(result["from"]) == dt.timedelta(days=90)
