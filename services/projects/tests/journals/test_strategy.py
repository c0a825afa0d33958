"""Strategy journal (OM step 10): the shared journal lifecycle, strategies of the entry's map
only, no overlapping periods per outcome map across its versions."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from shared.testing import TokenFactory, api_client, assert_problem


async def setup(build: Any) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    project = await build.project()
    agreed = await build.agreed_map_with_strategies(
        project["id"], cells=(("individual", "causal"), ("environment", "supportive"))
    )
    strategies = [s["id"] for s in agreed["partners"][0]["strategies"]]
    return project, agreed, strategies


class TestCreateStrategyJournalEntry:
    async def test_records_strategies_and_submits_with_event(
        self, client: httpx.AsyncClient, app: FastAPI, build, entries, tokens: TokenFactory
    ) -> None:
        project, agreed, strategies = await setup(build)
        entry = await build.strategy_journal(
            project["id"],
            agreed,
            "2026-01-01",
            "2026-03-31",
            [strategies[0], strategies[1], strategies[0]],
            outputs="Referral guide; 40 nurses trained.",
            required_follow_up="Repeat for night shift.",
            programme_response="Add a night-shift session.",
            contributors=["ann", "bob"],
        )
        assert entry["status"] == "submitted" and entry["submitted_at"]
        assert entry["strategy_ids"] == strategies  # duplicates folded, order kept
        assert entry["outputs"] == "Referral guide; 40 nurses trained."
        assert entry["outcome_map_id"] == agreed["id"] and entry["contributors"] == ["ann", "bob"]
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=journal.submitted")).json()["items"]
        assert len(events) == 1
        data = events[0]["data"]
        assert (data["journal"], data["journal_entry_id"]) == ("strategy", entry["id"])
        assert data["strategy_ids"] == strategies and events[0]["entity_type"] == (
            "strategy_journal_entry"
        )

    async def test_strategy_of_another_version_is_422(
        self, client: httpx.AsyncClient, build, entries
    ) -> None:
        project, _, strategies = await setup(build)
        # The next version clones the strategies under new ids; the old ids are not in it.
        draft = (await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})).json()
        await client.post(
            f"/v1/projects/{project['id']}/outcome-maps/{draft['id']}/transitions",
            json={"to": "agreed"},
        )
        response = await client.post(
            f"/v1/projects/{project['id']}/strategy-journal",
            json={
                "outcome_map_id": draft["id"],
                "period_start": "2026-01-01",
                "period_end": "2026-01-31",
                "strategy_ids": [draft["partners"][0]["strategies"][0]["id"], strategies[1]],
            },
        )
        body = assert_problem(response, 422, "strategy-not-in-map")
        assert [e["pointer"] for e in body["errors"]] == ["/strategy_ids/1"]

    async def test_map_must_be_an_agreed_version_of_the_project(
        self, client: httpx.AsyncClient, build, entries
    ) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        other = await build.project(title="ED streaming")
        other_map = await build.agreed_map(other["id"])
        url = f"/v1/projects/{project['id']}/strategy-journal"
        period = {"period_start": "2026-01-01", "period_end": "2026-01-31"}
        assert_problem(
            await client.post(url, json={"outcome_map_id": draft["id"], **period}),
            422,
            "journal-needs-agreed-map",
        )
        body = assert_problem(
            await client.post(url, json={"outcome_map_id": other_map["id"], **period}),
            422,
            "unknown-outcome-map",
        )
        assert body["errors"][0]["pointer"] == "/outcome_map_id"
        reversed_period = await client.post(
            url,
            json={
                "outcome_map_id": draft["id"],
                "period_start": "2026-02-01",
                "period_end": "2026-01-01",
            },
        )
        assert_problem(reversed_period, 422, "validation-error")

    async def test_overlapping_period_is_422_across_map_versions(
        self, client: httpx.AsyncClient, build, entries
    ) -> None:
        project, agreed, _ = await setup(build)
        await build.strategy_journal(project["id"], agreed, "2026-01-01", "2026-03-31")
        draft = (await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})).json()
        second = (
            await client.post(
                f"/v1/projects/{project['id']}/outcome-maps/{draft['id']}/transitions",
                json={"to": "agreed"},
            )
        ).json()
        await entries.create(
            "strategy-journal",
            second,
            "2026-03-01",
            "2026-04-30",
            status=422,
            slug="overlapping-journal-period",
        )

    async def test_another_project_does_not_overlap(
        self, client: httpx.AsyncClient, build, entries
    ) -> None:
        project, agreed, _ = await setup(build)
        other = await build.project(title="ED streaming")
        other_map = await build.agreed_map(other["id"])
        await build.strategy_journal(project["id"], agreed, "2026-01-01", "2026-03-31")
        entry = await build.strategy_journal(other["id"], other_map, "2026-01-01", "2026-03-31")
        assert entry["status"] == "submitted"


class TestStrategyJournalEdits:
    async def test_draft_edits_replace_strategies_and_check_them(
        self, client: httpx.AsyncClient, build, entries
    ) -> None:
        project, agreed, strategies = await setup(build)
        draft = await build.strategy_journal(
            project["id"], agreed, "2026-01-01", "2026-03-31", strategies[:1], submit=False
        )
        url = f"/v1/projects/{project['id']}/strategy-journal/{draft['id']}"
        edited = await client.patch(
            url, json={"strategy_ids": [strategies[1]], "effectiveness": "Better."}
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["strategy_ids"] == [strategies[1]]
        assert edited.json()["version"] == draft["version"] + 1
        assert_problem(
            await client.patch(url, json={"strategy_ids": [agreed["id"]]}),
            422,
            "strategy-not-in-map",
        )
        assert_problem(
            await client.patch(url, json={"period_end": "2025-12-01"}), 422, "validation-error"
        )
        assert_problem(await client.patch(url, json={"lessons": None}), 422, "validation-error")
        stale = await client.patch(url, json={"lessons": "x"}, headers={"If-Match": '"1"'})
        assert_problem(stale, 412, "precondition-failed")

    async def test_contributor_writes_only_to_own_projects(
        self, app: FastAPI, build, entries, tokens: TokenFactory
    ) -> None:
        project, agreed, _ = await setup(build)
        body = {
            "outcome_map_id": agreed["id"],
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
        }
        async with api_client(app, token=tokens("contributor", sub="dan")) as dan:
            response = await dan.post(f"/v1/projects/{project['id']}/strategy-journal", json=body)
            assert_problem(response, 403, "not-a-project-team-member")
        await build.member(project["id"], "dan")
        async with api_client(app, token=tokens("contributor", sub="dan")) as dan:
            response = await dan.post(f"/v1/projects/{project['id']}/strategy-journal", json=body)
            assert response.status_code == 201, response.text


class TestListStrategyJournalEntries:
    async def test_filters_and_404(self, client: httpx.AsyncClient, build, entries) -> None:
        project, agreed, _ = await setup(build)
        await build.strategy_journal(project["id"], agreed, "2026-01-01", "2026-03-31")
        await build.strategy_journal(
            project["id"], agreed, "2026-04-01", "2026-06-30", submit=False
        )
        base = f"/v1/projects/{project['id']}/strategy-journal"
        assert len((await client.get(base)).json()["items"]) == 2
        assert len((await client.get(f"{base}?status=draft")).json()["items"]) == 1
        assert len((await client.get(f"{base}?period_from=2026-04-01")).json()["items"]) == 1
        assert len((await client.get(f"{base}?period_to=2026-03-31")).json()["items"]) == 1
        assert len((await client.get(f"{base}?outcome_map_id={agreed['id']}")).json()["items"]) == 2
        first = (await client.get(f"{base}?sort=period_start")).json()["items"][0]
        assert first["period_start"] == "2026-01-01"
        assert_problem(await client.get(f"{base}/{agreed['id']}"), 404, "journal-entry-not-found")
