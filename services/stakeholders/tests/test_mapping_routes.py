"""Dated assessments (append-only), the map as of a date, movement, gap and trends."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from stakeholders_factories import ProjectsStub, assert_problem, create_stakeholder


def snapshot(project_id: uuid.UUID, when: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project_id": str(project_id),
        "assessed_at": when,
        "power": 2,
        "interest": 4,
        "legitimacy": True,
        "urgency": False,
        "stance": "supporter",
        "relationship_quality": 3,
        "trust": 3,
        "current_level": "consult",
        "target_level": "involve",
        "rationale": "Keen to shape the discharge leaflet.",
    }
    body.update(overrides)
    return body


async def assess(api: httpx.AsyncClient, stakeholder_id: str, body: dict[str, Any]) -> Any:
    response = await api.post(f"/v1/stakeholders/{stakeholder_id}/assessments", json=body)
    assert response.status_code == 201, response.text
    return response.json()


class TestCreateAssessment:
    async def test_computes_quadrant_salience_and_gap(
        self, client: httpx.AsyncClient, projects: ProjectsStub
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
        self, client: httpx.AsyncClient, projects: ProjectsStub
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
        self, client: httpx.AsyncClient, projects: ProjectsStub
    ) -> None:
        stakeholder = await create_stakeholder(client)
        response = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/assessments",
            json=snapshot(projects.add_project(), "2999-01-01T00:00:00Z"),
        )
        body = assert_problem(response, 422, "assessment-in-future")
        assert body["errors"][0]["pointer"] == "/assessed_at"

    async def test_ratings_outside_1_to_5_are_422(
        self, client: httpx.AsyncClient, projects: ProjectsStub
    ) -> None:
        stakeholder = await create_stakeholder(client)
        response = await client.post(
            f"/v1/stakeholders/{stakeholder['id']}/assessments",
            json=snapshot(projects.add_project(), "2026-01-01T00:00:00Z", power=6),
        )
        assert assert_problem(response, 422, "validation-error")["errors"][0]["pointer"] == "/power"

    async def test_unknown_project_is_422(
        self, client: httpx.AsyncClient, projects: ProjectsStub
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
        self, client: httpx.AsyncClient, projects: ProjectsStub, as_role: Any
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

        february = (
            await client.get(
                f"/v1/stakeholders/map?project_id={project_id}&as_of=2026-02-15T00:00:00Z"
            )
        ).json()
        assert february["stakeholders_assessed"] == 2
        quadrants = {q["quadrant"]: q["stakeholder_ids"] for q in february["quadrants"]}
        assert quadrants["keep_informed"] == [mover["id"]]
        assert quadrants["manage_closely"] == [steady["id"]]
        assert february["movements"] == []

        async with as_role("reporter", sub="rita") as reporter:
            now = (await reporter.get(f"/v1/stakeholders/map?project_id={project_id}")).json()
        assert "Zephyrine" not in str(now)
        assert [
            (m["stakeholder_id"], m["from_quadrant"], m["to_quadrant"]) for m in now["movements"]
        ] == [(mover["id"], "keep_informed", "manage_closely")]
        assert now["unchanged"] == 1
        salience = {c["value"]: c["count"] for c in now["salience"]}
        assert len(salience) == 8
        assert salience["definitive"] == 1  # mover: power 4, legitimate, urgent
        assert salience["dominant"] == 1  # steady: power 5, legitimate
        assert {c["value"]: c["count"] for c in now["stance_mix"]}["champion"] == 1
        assert [(g["stakeholder_id"], g["gap"]) for g in now["engagement_gap"]] == [
            (steady["id"], 3)
        ]

    async def test_empty_before_any_snapshot(
        self, client: httpx.AsyncClient, projects: ProjectsStub
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
    async def test_monthly_means(self, client: httpx.AsyncClient, projects: ProjectsStub) -> None:
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
