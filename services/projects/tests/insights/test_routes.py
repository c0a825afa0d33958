"""Practitioner reads: attainment (with as_of), strategy coverage, practice profile, key people."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.testing import ManualClock


class TestAttainment:
    async def test_counts_by_level_and_latest_rating(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(
            project["id"], markers=("expect_to_see", "expect_to_see", "like_to_see", "love_to_see")
        )
        partner = agreed["partners"][0]
        ids = [m["id"] for m in partner["markers"]]
        await build.journal(
            project["id"],
            partner,
            "2026-01-01",
            "2026-03-31",
            {ids[0]: "low", ids[1]: "medium", ids[2]: "high"},
        )
        await build.journal(
            project["id"],
            partner,
            "2026-04-01",
            "2026-06-30",
            {ids[0]: "high"},
            unanticipated_change={"description": "Care homes asked to join"},
        )
        body = (await client.get(f"/v1/projects/{project['id']}/attainment")).json()
        assert body["map_version"] == 1
        levels = {row["level"]: row for row in body["partners"][0]["levels"]}
        assert levels["expect_to_see"]["active_markers"] == 2
        assert levels["expect_to_see"]["latest_ratings"] | {} == {
            "not_observed": 0,
            "low": 0,
            "medium": 1,
            "high": 1,
            "unrated": 0,
        }
        assert levels["expect_to_see"]["attainment_share"] == 1.0
        assert levels["like_to_see"]["attained"] == 1
        assert (
            levels["love_to_see"]["latest_ratings"]["unrated"] == 1
            and levels["love_to_see"]["attainment_share"] == 0.0
        )
        partner_read = body["partners"][0]
        assert partner_read["unanticipated_changes"] == 1
        assert [(t["rated"], t["attained"]) for t in partner_read["trend"]] == [(3, 2), (1, 1)]
        # depth: expect 1*1 + 1*2/3, like 2*1, love 0 over max 1+1+2+3 = 7
        assert partner_read["depth_index"] == round((1 + 2 / 3 + 2) / 7, 4)

    async def test_as_of_reproduces_an_earlier_attainment(
        self, client: httpx.AsyncClient, build, clock: ManualClock
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        partner = agreed["partners"][0]
        marker = partner["markers"][0]["id"]
        first = await build.journal(
            project["id"], partner, "2026-01-01", "2026-03-31", {marker: "low"}
        )
        url = f"/v1/projects/{project['id']}/attainment"
        earlier = (await client.get(url)).json()
        stamp = first["submitted_at"]
        clock.advance()
        # Later: a new period rated high, and an amendment of the first entry.
        await build.journal(project["id"], partner, "2026-04-01", "2026-06-30", {marker: "high"})
        await build.journal(
            project["id"],
            partner,
            "2026-01-01",
            "2026-03-31",
            {marker: "medium"},
            amends_id=first["id"],
        )
        now = (await client.get(url)).json()
        assert now["partners"][0]["levels"][0]["latest_ratings"]["high"] == 1
        assert [t["attained"] for t in now["partners"][0]["trend"]] == [1, 1]
        rebuilt = (await client.get(url, params={"as_of": stamp})).json()
        assert rebuilt["partners"] == earlier["partners"]
        assert rebuilt["partners"][0]["levels"][0]["latest_ratings"]["low"] == 1

    async def test_before_any_agreement_there_is_no_map(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        body = (await client.get(f"/v1/projects/{project['id']}/attainment")).json()
        assert body["outcome_map_id"] is None and body["partners"] == []

    async def test_as_of_uses_the_version_agreed_then(
        self, client: httpx.AsyncClient, build, clock: ManualClock
    ) -> None:
        project = await build.project()
        first = await build.agreed_map(project["id"])
        between = clock.advance().isoformat()
        clock.advance()
        draft = (await client.post(f"/v1/projects/{project['id']}/outcome-maps", json={})).json()
        await client.post(
            f"/v1/projects/{project['id']}/outcome-maps/{draft['id']}/transitions",
            json={"to": "agreed"},
        )
        url = f"/v1/projects/{project['id']}/attainment"
        assert (await client.get(url)).json()["map_version"] == 2
        assert (await client.get(url, params={"as_of": between})).json()["outcome_map_id"] == first[
            "id"
        ]


class TestStrategyCoverage:
    async def test_grid_and_flags(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"], partners=2)
        first = draft["partners"][0]
        base = f"/v1/projects/{project['id']}/outcome-maps/{draft['id']}"
        await client.post(
            f"{base}/partners/{first['id']}/strategies",
            json={"target": "individual", "type": "causal", "description": "Training"},
        )
        await client.post(
            f"{base}/partners/{first['id']}/strategies",
            json={"target": "environment", "type": "supportive", "description": "Peer network"},
        )
        await client.post(f"{base}/transitions", json={"to": "agreed"})
        today = dt.date.today()
        await build.journal(
            project["id"],
            first,
            str(today - dt.timedelta(days=30)),
            str(today),
            {first["markers"][0]["id"]: "medium"},
        )
        body = (await client.get(f"/v1/projects/{project['id']}/strategy-coverage")).json()
        rows = {row["name"]: row for row in body["partners"]}
        assert rows["ED nursing team 0"]["cells"] == {
            "I1": 1,
            "I2": 0,
            "I3": 0,
            "E1": 0,
            "E2": 0,
            "E3": 1,
        }
        assert rows["ED nursing team 0"]["flags"] == []
        assert rows["ED nursing team 1"]["flags"] == ["no_strategies", "no_recent_journal"]
        assert body["totals"]["I1"] == 1


class TestPracticeProfile:
    async def test_practices_per_agreed_version(self, client: httpx.AsyncClient, build) -> None:
        project = await build.project()
        draft = await build.draft_map(project["id"])
        base = f"/v1/projects/{project['id']}/outcome-maps"
        await client.patch(
            f"{base}/{draft['id']}/practices/seeking_feedback_from_key_informants",
            json={"in_use": True},
        )
        await client.post(f"{base}/{draft['id']}/transitions", json={"to": "agreed"})
        clone = (await client.post(base, json={})).json()
        await client.patch(
            f"{base}/{clone['id']}/practices/engaging_in_organisational_reflection",
            json={"in_use": True},
        )
        await client.post(f"{base}/{clone['id']}/transitions", json={"to": "agreed"})
        body = (await client.get(f"/v1/projects/{project['id']}/practice-profile")).json()
        assert [(v["map_version"], v["in_use"]) for v in body["versions"]] == [(1, 1), (2, 2)]
        assert len(body["versions"][0]["practices"]) == 8

    async def test_performance_ratings_per_period_and_as_of(
        self, client: httpx.AsyncClient, build, clock: ManualClock
    ) -> None:
        project = await build.project()
        agreed = await build.agreed_map(project["id"])
        feedback, reflection = (
            "seeking_feedback_from_key_informants",
            "engaging_in_organisational_reflection",
        )
        first = await build.performance_journal(
            project["id"], agreed, "2026-01-01", "2026-03-31", {feedback: "low", reflection: None}
        )
        url = f"/v1/projects/{project['id']}/practice-profile"
        earlier = (await client.get(url)).json()
        clock.advance()
        await build.performance_journal(
            project["id"], agreed, "2026-04-01", "2026-06-30", {reflection: "medium"}
        )
        # Correct the first period: feedback was in fact medium.
        await build.performance_journal(
            project["id"],
            agreed,
            "2026-01-01",
            "2026-03-31",
            {feedback: "medium"},
            amends_id=first["id"],
        )
        await build.performance_journal(
            project["id"], agreed, "2026-07-01", "2026-09-30", {feedback: "high"}, submit=False
        )
        body = (await client.get(url)).json()
        assert [v["map_version"] for v in body["versions"]] == [1]  # map versions still shown
        assert [(p["period_start"], p["period_end"]) for p in body["periods"]] == [
            ("2026-01-01", "2026-03-31"),
            ("2026-04-01", "2026-06-30"),
        ]  # the amendment replaced the first entry; the draft does not count
        first_period = {p["practice"]: p for p in body["periods"][0]["practices"]}
        assert len(first_period) == 8
        assert first_period[feedback]["rating"] == "medium"
        assert first_period[reflection] == {
            "practice": reflection,
            "described": False,
            "rating": None,
        }
        latest = {row["practice"]: row for row in body["latest"]}
        assert (latest[feedback]["rating"], latest[feedback]["period_end"]) == (
            "medium",
            "2026-03-31",
        )
        assert latest[reflection]["rating"] == "medium"
        assert latest["experimenting_to_remain_innovative"]["rating"] is None
        rebuilt = (await client.get(url, params={"as_of": first["submitted_at"]})).json()
        assert rebuilt["periods"] == earlier["periods"]
        before = {p["practice"]: p for p in rebuilt["periods"][0]["practices"]}
        assert before[feedback]["rating"] == "low"
        assert before[reflection] == {"practice": reflection, "described": True, "rating": None}


class TestKeyPeople:
    async def test_project_concentration_and_portfolio_load(
        self, client: httpx.AsyncClient, build
    ) -> None:
        project = await build.project()
        other = await build.project(title="ED streaming")
        for role in ("project_lead", "executive_sponsor", "evaluator"):
            await build.member(project["id"], "ann", role)
        await build.member(project["id"], "bob", "analyst")
        await build.member(other["id"], "ann", "project_lead")
        await build.member(other["id"], "cat", "executive_sponsor", end_date="2020-01-01")
        body = (await client.get(f"/v1/projects/{project['id']}/key-people")).json()
        assert body["active_members"] == 2 and body["concentrated_people"] == ["ann"]
        assert body["lead_is_sponsor_is_evaluator"] is True
        portfolio = (await client.get("/v1/projects/key-people", params={"threshold": 0.5})).json()
        people = {p["subject"]: p for p in portfolio["items"]}
        assert portfolio["projects_with_a_lead"] == 2 and portfolio["next_cursor"] is None
        assert list(people) == ["ann", "bob"]
        assert people["ann"] == {
            "subject": "ann",
            "project_count": 2,
            "led_count": 2,
            "sponsored_count": 1,
            "evaluated_count": 1,
            "share_of_leads": 1.0,
            "flagged": True,
        }
        assert (people["bob"]["project_count"], people["bob"]["flagged"]) == (1, False)
        first = await client.get("/v1/projects/key-people", params={"limit": 1})
        assert [p["subject"] for p in first.json()["items"]] == ["ann"]
        second = await client.get(
            "/v1/projects/key-people", params={"limit": 1, "cursor": first.json()["next_cursor"]}
        )
        assert [p["subject"] for p in second.json()["items"]] == ["bob"]
        assert second.json()["next_cursor"] is None
        only = await client.get("/v1/projects/key-people", params={"subject": "bob"})
        assert [p["subject"] for p in only.json()["items"]] == ["bob"]
