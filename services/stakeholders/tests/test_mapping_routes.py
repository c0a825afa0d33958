"""Dated assessments (append-only), the map as of a date, movement, gap and trends."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter
from typing import Any

import httpx
from fastapi import FastAPI

from services.stakeholders.tests.builders import assessment_body, create_stakeholder
from shared.testing import FakeProjects, assert_problem
from stakeholders_service.mapping.models import StakeholderAssessment, Stance
from stakeholders_service.mapping.rules import (
    MendelowQuadrant,
    engagement_gap,
    mendelow_quadrant,
    salience_class,
)
from stakeholders_service.vocabulary import Iap2Level


def snapshot(project_id: uuid.UUID, when: str, **overrides: Any) -> dict[str, Any]:
    return assessment_body(
        project_id,
        **{"assessed_at": when, "rationale": "Keen to shape the discharge leaflet."} | overrides,
    )


async def assess(api: httpx.AsyncClient, stakeholder_id: str, body: dict[str, Any]) -> Any:
    response = await api.post(f"/v1/stakeholders/{stakeholder_id}/assessments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


class TestCreateAssessment:
    async def test_computes_quadrant_salience_and_gap(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(client)
        project_id = projects.add_project()
        body = await assess(client, stakeholder["id"], snapshot(project_id, "2026-01-10T09:00:00Z"))
        assert body["mendelow_quadrant"] == "keep_informed"
        assert body["salience_class"] == "discretionary"
        assert body["engagement_gap"] == 1
        assert body["threshold"] == 3
        assert body["assessed_by"] == "gov-1"

    async def test_snapshots_are_never_overwritten(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(client)
        project_id = projects.add_project()
        first = await assess(
            client, stakeholder["id"], snapshot(project_id, "2026-01-10T09:00:00Z")
        )
        url = f"/v1/stakeholders/{stakeholder['id']}/assessments"
        assert (await client.patch(f"{url}/{first['id']}", json={"power": 5})).status_code in (
            404,
            405,
        )
        assert (await client.put(url, json={})).status_code == 405
        await assess(
            client, stakeholder["id"], snapshot(project_id, "2026-02-10T09:00:00Z", power=5)
        )
        listed = (await client.get(f"{url}?sort=assessed_at")).json()["items"]
        assert [a["power"] for a in listed] == [2, 5]
        assert listed[0] == first

    async def test_future_date_is_422(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(client)
        response = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/assessments",
            json=snapshot(projects.add_project(), "2999-01-01T00:00:00Z"),
        )
        body = assert_problem(response, 422, "assessment-in-future")
        assert body["errors"][0]["pointer"] == "/assessed_at"

    async def test_ratings_outside_1_to_5_are_422(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(client)
        response = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/assessments",
            json=snapshot(projects.add_project(), "2026-01-01T00:00:00Z", power=6),
        )
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/power"

    async def test_unknown_project_is_422(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        stakeholder = await create_stakeholder(client)
        response = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/assessments",
            json=snapshot(uuid.uuid4(), "2026-01-01T00:00:00Z"),
        )
        assert_problem(response, 422, "unknown-project")

    async def test_viewer_cannot_assess(self, as_role: Any, client: httpx.AsyncClient) -> None:
        stakeholder = await create_stakeholder(client)
        async with as_role("viewer") as viewer:
            response = await viewer.post(
                f"/v1/stakeholders/{stakeholder['id']}/assessments",
                json=snapshot(uuid.uuid4(), "2026-01-01T00:00:00Z"),
            )
        assert_problem(response, 403, "forbidden")


class TestStakeholderMap:
    async def test_as_of_movement_gap_salience_and_stance(
        self, client: httpx.AsyncClient, projects: FakeProjects, as_role: Any
    ) -> None:
        project_id = projects.add_project()
        mover = await create_stakeholder(client)
        steady = await create_stakeholder(client, category="executive")
        await assess(client, mover["id"], snapshot(project_id, "2026-01-10T09:00:00Z"))
        await assess(
            client,
            mover["id"],
            snapshot(
                project_id,
                "2026-03-10T09:00:00Z",
                power=4,
                urgency=True,
                stance="champion",
                current_level="involve",
            ),
        )
        await assess(
            client,
            steady["id"],
            snapshot(
                project_id,
                "2026-02-01T09:00:00Z",
                power=5,
                interest=5,
                stance="sceptic",
                current_level="inform",
                target_level="collaborate",
            ),
        )
        await assess(
            client,
            steady["id"],
            snapshot(
                project_id,
                "2026-03-01T09:00:00Z",
                power=5,
                interest=4,
                stance="sceptic",
                current_level="inform",
                target_level="collaborate",
            ),
        )

        february_at = {"project_id": str(project_id), "as_of": "2026-02-15T00:00:00Z"}
        february = (await client.get("/v1/stakeholders/map", params=february_at)).json()
        assert february["stakeholders_assessed"] == 2
        quadrants = {q["quadrant"]: q["count"] for q in february["quadrants"]}
        assert quadrants == {
            "manage_closely": 1,
            "keep_satisfied": 0,
            "keep_informed": 1,
            "monitor": 0,
        }
        assert february["movements"] == []
        entries = (await client.get("/v1/stakeholders/map/entries", params=february_at)).json()
        by_id = {e["stakeholder_id"]: e for e in entries["items"]}
        assert by_id[mover["id"]]["mendelow_quadrant"] == "keep_informed"
        assert by_id[steady["id"]]["mendelow_quadrant"] == "manage_closely"
        assert by_id[steady["id"]]["category"] == "executive"
        assert entries["next_cursor"] is None

        async with as_role("reporter", sub="rita") as reporter:
            now = (await reporter.get(f"/v1/stakeholders/map?project_id={project_id}")).json()
            url = "/v1/stakeholders/map/entries"
            moved = (
                await reporter.get(url, params={"project_id": str(project_id), "moved": "true"})
            ).json()
            steady_ones = (
                await reporter.get(url, params={"project_id": str(project_id), "moved": "false"})
            ).json()
            below = (
                await reporter.get(
                    url, params={"project_id": str(project_id), "below_target": "true"}
                )
            ).json()
        assert "Zephyrine" not in str(now) + str(moved) + str(below)
        assert now["movements"] == [
            {"from_quadrant": "keep_informed", "to_quadrant": "manage_closely", "count": 1}
        ]
        [entry] = moved["items"]
        assert (entry["stakeholder_id"], entry["previous_quadrant"]) == (
            mover["id"],
            "keep_informed",
        )
        assert (entry["mendelow_quadrant"], entry["previous_assessed_at"]) == (
            "manage_closely",
            "2026-01-10T09:00:00Z",
        )
        assert [e["stakeholder_id"] for e in steady_ones["items"]] == [steady["id"]]
        assert now["unchanged"] == 1
        salience = {c["value"]: c["count"] for c in now["salience"]}
        assert len(salience) == 8
        assert salience["definitive"] == 1  # mover: power 4, legitimate, urgent
        assert salience["dominant"] == 1  # steady: power 5, legitimate
        assert {c["value"]: c["count"] for c in now["stance_mix"]}["champion"] == 1
        assert now["engagement_gap"] == [
            {"gap": 1, "count": 0},
            {"gap": 2, "count": 0},
            {"gap": 3, "count": 1},
            {"gap": 4, "count": 0},
        ]
        assert [(e["stakeholder_id"], e["engagement_gap"]) for e in below["items"]] == [
            (steady["id"], 3)
        ]

    async def test_empty_before_any_snapshot(
        self, client: httpx.AsyncClient, projects: FakeProjects
    ) -> None:
        project_id = projects.add_project()
        stakeholder = await create_stakeholder(client)
        await assess(client, stakeholder["id"], snapshot(project_id, "2026-01-10T09:00:00Z"))
        body = (
            await client.get(
                f"/v1/stakeholders/map?project_id={project_id}&as_of=2025-12-31T00:00:00Z"
            )
        ).json()
        assert body["stakeholders_assessed"] == 0
        assert all(q["count"] == 0 for q in body["quadrants"])


class TestTrends:
    async def test_monthly_means(self, client: httpx.AsyncClient, projects: FakeProjects) -> None:
        project_id = projects.add_project()
        a = await create_stakeholder(client)
        b = await create_stakeholder(client)
        await assess(client, a["id"], snapshot(project_id, "2026-01-05T09:00:00Z", trust=2))
        await assess(client, b["id"], snapshot(project_id, "2026-01-20T09:00:00Z", trust=3))
        await assess(
            client,
            a["id"],
            snapshot(project_id, "2026-02-05T09:00:00Z", trust=5, relationship_quality=5),
        )
        body = (await client.get(f"/v1/stakeholders/trends?project_id={project_id}")).json()
        assert body["points"] == [
            {
                "month": "2026-01",
                "assessments": 2,
                "mean_relationship_quality": 3.0,
                "mean_trust": 2.5,
            },
            {
                "month": "2026-02",
                "assessments": 1,
                "mean_relationship_quality": 5.0,
                "mean_trust": 5.0,
            },
        ]
        one = (
            await client.get(
                f"/v1/stakeholders/trends?project_id={project_id}&stakeholder_id={b['id']}"
            )
        ).json()
        assert [p["month"] for p in one["points"]] == ["2026-01"]


def old_map(snapshots: list[StakeholderAssessment], as_of: dt.datetime, threshold: int) -> Any:
    """The map as the service computed it before #16 (every snapshot in Python), reshaped into
    today's counts and entries: the reference for the SQL."""
    # Newest first per stakeholder, ties on the date broken by the higher id (as the SQL).
    newest_first = sorted(
        (s for s in snapshots if s.assessed_at <= as_of),
        key=lambda s: (s.assessed_at, s.id),
        reverse=True,
    )
    latest: dict[uuid.UUID, list[StakeholderAssessment]] = {}
    for snap in newest_first:
        latest.setdefault(snap.stakeholder_id, []).append(snap)

    def quadrant(s: StakeholderAssessment) -> str:
        return mendelow_quadrant(power=s.power, interest=s.interest, threshold=threshold).value

    entries, moves, unchanged = {}, Counter[tuple[str, str]](), 0
    for stakeholder_id, history in latest.items():
        now, before = history[0], history[1] if len(history) > 1 else None
        entries[str(stakeholder_id)] = {
            "assessment_id": str(now.id),
            "mendelow_quadrant": quadrant(now),
            "salience_class": salience_class(
                power=now.power, legitimacy=now.legitimacy, urgency=now.urgency, threshold=threshold
            ).value,
            "engagement_gap": engagement_gap(now.current_level, now.target_level),
            "previous_quadrant": None if before is None else quadrant(before),
        }
        if before is not None:
            if quadrant(before) == quadrant(now):
                unchanged += 1
            else:
                moves[(quadrant(before), quadrant(now))] += 1
    counts = Counter(e["mendelow_quadrant"] for e in entries.values())
    gaps = Counter(e["engagement_gap"] for e in entries.values())
    summary = {
        "stakeholders_assessed": len(entries),
        "quadrants": [{"quadrant": q.value, "count": counts[q.value]} for q in MendelowQuadrant],
        "movements": [
            {"from_quadrant": a, "to_quadrant": b, "count": n}
            for (a, b), n in sorted(moves.items())
        ],
        "unchanged": unchanged,
        "engagement_gap": [{"gap": g, "count": gaps[g]} for g in range(1, 5)],
    }
    return summary, entries


class TestMapInSql:
    async def test_the_same_map_as_the_old_one(
        self, client: httpx.AsyncClient, app: FastAPI, projects: FakeProjects
    ) -> None:
        """Random snapshots of 23 stakeholders (ties on the date included), paged 7 at a time."""
        rng = random.Random(4)
        project_id, other = projects.add_project(), projects.add_project()
        people = [uuid.UUID((await create_stakeholder(client))["id"]) for _ in range(23)]
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        snapshots = []
        for person in people:
            for _ in range(rng.randint(0, 4)):
                when = start + dt.timedelta(days=rng.choice((0, 10, 10, 40, 80)))
                snapshots.append(
                    StakeholderAssessment(
                        id=uuid.uuid4(),
                        stakeholder_id=person,
                        project_id=rng.choice((project_id, project_id, other)),
                        assessed_at=when,
                        assessed_by="gov-1",
                        power=rng.randint(1, 5),
                        interest=rng.randint(1, 5),
                        legitimacy=rng.random() < 0.6,
                        urgency=rng.random() < 0.4,
                        stance=rng.choice(list(Stance)),
                        relationship_quality=3,
                        trust=3,
                        current_level=rng.choice(list(Iap2Level)),
                        target_level=rng.choice(list(Iap2Level)),
                    )
                )
        async with app.state.database.sessionmaker() as session:
            session.add_all(snapshots)
            await session.commit()
        mine = [s for s in snapshots if s.project_id == project_id]
        for as_of in (start + dt.timedelta(days=20), start + dt.timedelta(days=100)):
            expected_summary, expected_entries = old_map(mine, as_of, threshold=3)
            params = {"project_id": str(project_id), "as_of": as_of.isoformat()}
            body = (await client.get("/v1/stakeholders/map", params=params)).json()
            assert {k: body[k] for k in expected_summary} == expected_summary
            paged: dict[str, Any] = {}
            cursor = None
            while True:
                page = await client.get(
                    "/v1/stakeholders/map/entries",
                    params={**params, "limit": 7, **({"cursor": cursor} if cursor else {})},
                )
                assert page.status_code == 200, page.text
                for item in page.json()["items"]:
                    paged[item["stakeholder_id"]] = {k: item[k] for k in ("assessment_id", *_KEYS)}
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    break
            assert paged == expected_entries
            assert list(paged) == sorted(paged)  # stakeholder id order
        assert expected_summary["movements"] and expected_summary["unchanged"]


_KEYS = ("mendelow_quadrant", "salience_class", "engagement_gap", "previous_quadrant")
