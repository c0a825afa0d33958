"""Key-person dependency: per project (active members, lead = sponsor = evaluator) and per
person (projects led, sponsored, evaluated; share of leads flagged above the setting), with the
subject and small counts of people withheld from reporter and viewer."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from projects_service.aggregates.settings import AggregateSettings, get_aggregate_settings
from services.projects.tests.aggregates.support import T0, counts, portfolio
from shared.testing import ManualClock, TokenFactory, api_client


async def four_teams(build: Any, clock: ManualClock) -> list[str]:
    """P1: alice leads, sponsors and evaluates, bob is a member. P2: alice leads, carol
    sponsors, dave evaluates, erin and frank are members (ivan's membership ended). P3: nobody.
    P4: gina leads."""
    clock.freeze(T0)
    ids = [(await build.project(title=f"P{n}"))["id"] for n in range(1, 5)]
    p1, p2, _, p4 = ids
    for role in ("project_lead", "executive_sponsor", "evaluator"):
        await build.member(p1, "alice", role)
    await build.member(p1, "bob")
    for subject, role in (
        ("alice", "project_lead"),
        ("carol", "executive_sponsor"),
        ("dave", "developmental_evaluator"),
        ("erin", "member"),
        ("frank", "analyst"),
    ):
        await build.member(p2, subject, role)
    await build.member(p2, "ivan", "evaluator", start_date="2026-01-01", end_date="2026-03-01")
    await build.member(p4, "gina", "project_lead")
    clock.freeze(T0 + dt.timedelta(hours=1))
    return ids


@pytest.fixture
async def reporter(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens("reporter", sub="rep-1")) as api:
        yield api


class TestKeyPerson:
    async def test_per_project_and_per_person_by_hand(
        self, client: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        p1, _, p3, p4 = await four_teams(build, clock)
        key = (await portfolio(client))["key_person"]
        assert key["on"] == "2026-03-02" and key["threshold"] == 0.25
        assert key["projects_with_a_lead"] == 3
        assert key["projects_lead_is_sponsor_is_evaluator"] == 1
        assert counts(key["active_members_distribution"]) == {"0": 1, "1": 1, "2": 1, "5+": 1}
        assert key["projects"] == sorted(
            [
                {"project_id": p1, "active_members": 2, "lead_is_sponsor_is_evaluator": True},
                {"project_id": p3, "active_members": 0, "lead_is_sponsor_is_evaluator": False},
                {"project_id": p4, "active_members": 1, "lead_is_sponsor_is_evaluator": False},
            ],
            key=lambda row: str(row["project_id"]),
        )
        assert key["people_total"] == 4
        people = {row["subject"]: row for row in key["people"]}
        assert [row["subject"] for row in key["people"]] == ["alice", "gina", "carol", "dave"]
        assert people["alice"] == {
            "subject": "alice",
            "projects_led": 2,
            "projects_sponsored": 1,
            "projects_evaluated": 1,
            "share_of_leads": 0.6667,
            "flagged": True,
        }
        assert (people["gina"]["share_of_leads"], people["gina"]["flagged"]) == (0.3333, True)
        assert (people["dave"]["projects_evaluated"], people["dave"]["flagged"]) == (1, False)
        assert key["people_truncated"] is False and key["projects_truncated"] is False

    async def test_memberships_as_of(
        self, client: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        await four_teams(build, clock)
        # Before anyone joined (and the projects existed), nothing.
        before = (await portfolio(client, as_of=T0 - dt.timedelta(hours=1)))["key_person"]
        assert before["people_total"] == 0 and before["projects"] == []
        # Recorded at T0 they count at T0; ivan's ended on 1 March, so he is not among them.
        assert (await portfolio(client, as_of=T0))["key_person"]["people_total"] == 4

    async def test_a_filtered_set(
        self, client: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        await four_teams(build, clock)
        other = (await build.project(directorate="surgery"))["id"]
        await build.member(other, "alice", "project_lead")
        key = (await portfolio(client, directorate="surgery"))["key_person"]
        assert key["projects_with_a_lead"] == 1
        assert key["projects"] == [
            {"project_id": other, "active_members": 1, "lead_is_sponsor_is_evaluator": False}
        ]
        assert [(p["subject"], p["projects_led"], p["share_of_leads"]) for p in key["people"]] == [
            ("alice", 1, 1.0)
        ]

    async def test_the_threshold_is_a_setting(
        self, client: httpx.AsyncClient, app: FastAPI, build: Any, clock: ManualClock
    ) -> None:
        await four_teams(build, clock)
        app.dependency_overrides[get_aggregate_settings] = lambda: AggregateSettings(
            key_person_share_threshold=0.5
        )
        try:
            key = (await portfolio(client))["key_person"]
        finally:
            del app.dependency_overrides[get_aggregate_settings]
        flagged = {row["subject"]: row["flagged"] for row in key["people"]}
        assert key["threshold"] == 0.5 and flagged["alice"] and not flagged["gina"]


class TestSuppression:
    async def test_reporter_sees_no_subject_and_no_small_counts_of_people(
        self, client: httpx.AsyncClient, reporter: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        await four_teams(build, clock)
        body = await portfolio(reporter)
        key = body["key_person"]
        # Four people hold a key role: fewer than 5, so neither the number nor the rows.
        assert key["people_total"] is None and key["people"] == []
        assert all(row["active_members"] is None for row in key["projects"])
        assert body["suppressed"] == [
            "/key_person/projects/0/active_members",
            "/key_person/projects/1/active_members",
            "/key_person/projects/2/active_members",
            "/key_person/people_total",
            "/key_person/people",
        ]
        # Counts of projects are not counts of people: they stay.
        assert key["projects_with_a_lead"] == 3 and body["projects"] == 4
        assert (await portfolio(client))["suppressed"] == []

    async def test_five_people_are_shown_without_their_subjects(
        self, reporter: httpx.AsyncClient, build: Any, clock: ManualClock
    ) -> None:
        _, _, _, p4 = await four_teams(build, clock)
        await build.member(p4, "hank", "evaluator")
        key = (await portfolio(reporter))["key_person"]
        assert key["people_total"] == 5
        assert [row["subject"] for row in key["people"]] == [None] * 5
        assert [row["projects_led"] for row in key["people"]] == [2, 1, 0, 0, 0]
