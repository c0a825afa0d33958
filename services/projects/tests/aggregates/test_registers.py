"""Benefit totals by type (and the tCO2e estimate) and overdue monitoring from each agreed
map's monitoring plan, hand-computed, at several `as_of`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from services.projects.tests.aggregates.support import T0, portfolio
from shared.testing import ManualClock

DAY = dt.timedelta(days=1)


async def benefit(build: Any, project_id: str, kind: str, unit: str) -> str:
    body = {"kind": kind, "title": f"{kind} benefit", "unit": unit, "confidence": "medium"}
    return str((await build.ok("POST", f"/v1/projects/{project_id}/benefits", body))["id"])


async def value(
    build: Any, project_id: str, benefit_id: str, value_type: str, amount: float, as_at: str
) -> None:
    body: dict[str, Any] = {"value_type": value_type, "amount": amount, "as_at": as_at}
    if value_type == "validated":
        body["validated_by"] = "finance-bp"
    await build.ok("POST", f"/v1/projects/{project_id}/benefits/{benefit_id}/values", body)


def totals(body: dict[str, Any]) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {
        (row["kind"], row["unit"]): (
            row["benefits"],
            row["estimated"],
            row["validated"],
            row["actual"],
        )
        for row in body["benefits"]
    }


class TestBenefits:
    async def test_latest_value_of_each_type_summed_by_kind_and_unit(
        self, client: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        clock.freeze(T0)
        p1 = (await build.project(net_zero_relevant=True))["id"]
        p2 = (await build.project())["id"]
        p3 = (await build.project(directorate="surgery"))["id"]
        carbon1 = await benefit(build, p1, "carbon", "tCO2e")
        await value(build, p1, carbon1, "estimated", 10, "2026-03-01")
        hours = await benefit(build, p1, "staff_time", "hours")
        await value(build, p1, hours, "estimated", 100, "2026-03-01")
        carbon2 = await benefit(build, p2, "carbon", "tCO2e")
        await value(build, p2, carbon2, "estimated", 5, "2026-02-01")
        retired = await benefit(build, p2, "carbon", "tCO2e")
        await value(build, p2, retired, "estimated", 1000, "2026-02-01")
        await build.ok("PATCH", f"/v1/projects/{p2}/benefits/{retired}", {"status": "retired"}, 200)
        cash = await benefit(build, p3, "cash_release", "GBP")
        await value(build, p3, cash, "estimated", 5000, "2026-02-01")
        clock.freeze(T0 + 5 * DAY)
        await value(build, p1, carbon1, "estimated", 12, "2026-03-05")
        await value(build, p1, carbon1, "validated", 11, "2026-03-05")
        await value(build, p1, carbon1, "actual", 4, "2026-03-08")
        # A figure dated later than as_of below, and one dated earlier than the latest.
        await value(build, p1, hours, "estimated", 90, "2026-02-15")
        clock.freeze(T0 + 6 * DAY)

        now = await portfolio(client)
        assert totals(now) == {
            ("carbon", "tCO2e"): (2, 17.0, 11.0, 4.0),
            ("cash_release", "GBP"): (1, 5000.0, None, None),
            ("staff_time", "hours"): (1, 100.0, None, None),
        }
        assert (now["net_zero"]["tco2e_estimate"], now["net_zero"]["tco2e_benefits"]) == (17.0, 2)
        # At T0 + 1 day only the first figures were known.
        early = await portfolio(client, as_of=T0 + DAY)
        assert totals(early)[("carbon", "tCO2e")] == (2, 15.0, None, None)
        # Recorded on 7 March, the actual is dated 8 March: not counted on the 7th.
        seventh = await portfolio(client, as_of=T0 + 5 * DAY + dt.timedelta(hours=1))
        assert totals(seventh)[("carbon", "tCO2e")] == (2, 17.0, 11.0, None)
        surgery = await portfolio(client, directorate="surgery")
        assert totals(surgery) == {("cash_release", "GBP"): (1, 5000.0, None, None)}
        assert surgery["net_zero"]["tco2e_estimate"] == 0


async def monitored_project(client: httpx.AsyncClient, build: Any) -> tuple[str, dict[str, Any]]:
    """An agreed map with two partners and plan items: partner 0 quarterly (outcome journal),
    partner 1 quarterly (its id written in capitals without hyphens), a practice monthly
    (performance journal), and two unscheduled items (ad hoc; tool `other`)."""
    project = (await build.project())["id"]
    draft = await build.draft_map(project, partners=2)
    base = f"/v1/projects/{project}/outcome-maps/{draft['id']}"
    first, second = (partner["id"] for partner in draft["partners"])
    for kind, ref, frequency, tool in (
        ("boundary_partner", first, "quarterly", "outcome_journal"),
        ("boundary_partner", second.replace("-", "").upper(), "quarterly", "outcome_journal"),
        (
            "organisational_practice",
            "seeking_feedback_from_key_informants",
            "monthly",
            "performance_journal",
        ),
        ("boundary_partner", first, "ad_hoc", "outcome_journal"),
        ("boundary_partner", first, "annual", "other"),
    ):
        await build.ok(
            "POST",
            f"{base}/monitoring-plan",
            {"priority_kind": kind, "priority_ref": ref, "frequency": frequency, "tool": tool},
        )
    agreed = await build.ok(
        "POST", f"{base}/transitions", {"to": "agreed", "agreed_in": "Workshop"}, 200
    )
    return project, agreed


def overdue(body: dict[str, Any]) -> tuple[int, int, int, int]:
    m = body["monitoring"]
    return (m["items"], m["overdue"], m["overdue_outcome_journals"], m["projects_overdue"])


class TestOverdueMonitoring:
    async def test_from_each_items_frequency(
        self, client: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        clock.freeze(T0)  # 2 March 2026
        project, agreed = await monitored_project(client, build)
        partner0 = agreed["partners"][0]
        await build.journal(project, partner0, "2026-01-01", "2026-02-28", {})
        clock.freeze(T0 + 100 * DAY)  # 10 June
        # 20 days on: nothing due (quarterly from 28 Feb, monthly from the agreement).
        assert overdue(await portfolio(client, as_of=T0 + 20 * DAY)) == (3, 0, 0, 0)
        # 40 days on: the monthly performance journal is overdue.
        forty = await portfolio(client, as_of=T0 + 40 * DAY)
        assert overdue(forty) == (3, 1, 0, 1)
        tools = {row["tool"]: row for row in forty["monitoring"]["by_tool"]}
        assert tools["performance_journal"]["overdue"] == 1
        assert tools["outcome_journal"] == {
            "tool": "outcome_journal",
            "items": 2,
            "overdue": 0,
            "projects_overdue": 0,
        }
        # 99 days on: 28 Feb is more than 92 days back, partner 1 never journalled.
        assert overdue(await portfolio(client, as_of=T0 + 99 * DAY)) == (3, 3, 2, 1)
        await build.journal(project, partner0, "2026-03-01", "2026-05-31", {})
        await build.performance_journal(project, agreed, "2026-05-01", "2026-05-31")
        clock.freeze(T0 + 100 * DAY + dt.timedelta(hours=1))
        # Now only partner 1's outcome journal is overdue (its own journal, not partner 0's).
        assert overdue(await portfolio(client)) == (3, 1, 1, 1)
        # Entries submitted later do not change an earlier answer.
        assert overdue(await portfolio(client, as_of=T0 + 99 * DAY)) == (3, 3, 2, 1)
        assert overdue(await portfolio(client, as_of=T0 - DAY)) == (0, 0, 0, 0)
