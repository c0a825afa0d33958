"""Performance journal (OM step 11): practices described once each, optional ratings, and the
lifecycle shared with the other journals."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shared.testing import TokenFactory, api_client, assert_problem

FEEDBACK = "seeking_feedback_from_key_informants"
REFLECTION = "engaging_in_organisational_reflection"


class TestCreatePerformanceJournalEntry:
    async def test_records_practices_and_submits_with_event(
        self, client: httpx.AsyncClient, app: FastAPI, build, entries, tokens: TokenFactory
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        entry = await build.performance_journal(
            project["id"],
            agreed,
            "2026-01-01",
            "2026-03-31",
            {FEEDBACK: "high", REFLECTION: None},
            lessons="Huddles work when the consultant attends.",
        )
        assert entry["status"] == "submitted"
        assert [(p["practice"], p["rating"]) for p in entry["practice_entries"]] == [
            (FEEDBACK, "high"),
            (REFLECTION, None),
        ]
        async with api_client(app, token=tokens("service")) as svc:
            events = (await svc.get("/v1/events?type=journal.submitted")).json()["items"]
        assert events[0]["data"]["journal"] == "performance"
        assert events[0]["data"]["practices"] == [FEEDBACK, REFLECTION]

    async def test_a_practice_twice_or_an_unknown_one_is_422(
        self, client: httpx.AsyncClient, build, entries
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        url = f"/v1/projects/{project['id']}/performance-journal"
        period = {"outcome_map_id": agreed["id"], "period_start": "2026-01-01"}
        twice = await client.post(
            url,
            json={
                **period,
                "period_end": "2026-01-31",
                "practice_entries": [
                    {"practice": FEEDBACK, "rating": "low"},
                    {"practice": FEEDBACK, "rating": "high"},
                ],
            },
        )
        body = assert_problem(twice, 422, "practice-entry-repeated")
        assert body["errors"][0]["pointer"] == "/practice_entries/1/practice"
        unknown = await client.post(
            url,
            json={
                **period,
                "period_end": "2026-01-31",
                "practice_entries": [{"practice": "networking", "rating": "excellent"}],
            },
        )
        pointers = {
            e["pointer"] for e in assert_problem(unknown, 422, "validation-error")["errors"]
        }
        assert {"/practice_entries/0/practice", "/practice_entries/0/rating"} <= pointers
        assert (await client.get(url)).json()["items"] == []

    async def test_a_draft_map_is_refused_and_periods_are_per_journal(
        self, client: httpx.AsyncClient, build, entries
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        await build.performance_journal(project["id"], agreed, "2026-01-01", "2026-06-30")
        draft = (await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})).json()
        await entries.create(
            "performance-journal",
            draft,
            "2026-07-01",
            "2026-12-31",
            status=422,
            slug="journal-needs-agreed-map",
        )
        # The strategy journal keeps its own periods: the same period is fine there.
        strategy = await build.strategy_journal(project["id"], agreed, "2026-01-01", "2026-06-30")
        assert strategy["status"] == "submitted"


class TestPerformanceJournalLifecycle:
    async def test_practices_are_replaced_in_a_draft_and_kept_through_review_and_amendment(
        self, client: httpx.AsyncClient, build, entries
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        draft = await build.performance_journal(
            project["id"], agreed, "2026-01-01", "2026-03-31", {FEEDBACK: "low"}, submit=False
        )
        base = f"/v1/projects/{project['id']}/performance-journal"
        edited = await client.patch(
            f"{base}/{draft['id']}",
            json={
                "practice_entries": [
                    {
                        "practice": REFLECTION,
                        "examples_or_indicators": "Quarterly after-action review.",
                        "sources_of_evidence": [{"text": "Minutes", "uri": "https://x.example/m"}],
                        "rating": "medium",
                    }
                ]
            },
        )
        assert edited.status_code == 200, edited.text
        practices = edited.json()["practice_entries"]
        assert [(p["practice"], p["rating"]) for p in practices] == [(REFLECTION, "medium")]
        assert practices[0]["sources_of_evidence"][0]["uri"] == "https://x.example/m"
        submitted = await entries.move("performance-journal", draft, "submitted")
        assert submitted["practice_entries"] == practices
        reviewed = await entries.move("performance-journal", submitted, "reviewed")
        assert reviewed["practice_entries"] == practices
        amendment = await build.performance_journal(
            project["id"],
            agreed,
            "2026-01-01",
            "2026-03-31",
            {REFLECTION: "high"},
            amends_id=draft["id"],
        )
        assert amendment["amends_id"] == draft["id"]
        read = (await client.get(f"{base}/{draft['id']}")).json()
        assert read["status"] == "amended" and read["practice_entries"][0]["rating"] == "medium"
        assert [p["rating"] for p in amendment["practice_entries"]] == ["high"]
