"""`POST /v1/aggregates/project-engagement`: relationship quality and trust, now and their trend
against each stakeholder's snapshot before (#14 item 5), computed by hand; suppressed view."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from services.stakeholders.tests.aggregates.data import (
    assess,
    create_stakeholder,
    instant,
    project_engagement,
)
from shared.testing import FakeProjects, ManualClock

Client = Callable[..., httpx.AsyncClient]


def cells(distribution: dict[str, Any]) -> dict[str, int | None]:
    return {cell["value"]: cell["count"] for cell in distribution["cells"]}


async def build(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock
) -> tuple[uuid.UUID, str]:
    """a: quality 2 → 4, trust 3 → 3 (improving, steady); b: 4 → 3, trust 4 → 2 (worsening
    twice); c: 5 → 5 → 1 over three snapshots, trust 2 → 2 → 5: only the last two count
    (worsening, improving); d: one snapshot, quality 1, trust 1 (no trend); a's snapshot of
    another project (quality 1) is left out. Returns the project and a moment before the
    latest snapshots."""
    project = projects.add_project("olive")
    other = projects.add_project("olive")
    a, b, c, d = [str((await create_stakeholder(client))["id"]) for _ in range(4)]
    base = clock.now().replace(microsecond=0)
    first, second = instant(base - dt.timedelta(days=20)), instant(base - dt.timedelta(days=10))
    await assess(client, a, project, power=1, interest=1, quality=2, trust=3, assessed_at=first)
    await assess(client, b, project, power=1, interest=1, quality=4, trust=4, assessed_at=first)
    await assess(client, c, project, power=1, interest=1, quality=5, trust=2, assessed_at=first)
    await assess(client, c, project, power=1, interest=1, quality=5, trust=2, assessed_at=second)
    earlier = instant(clock.advance())
    clock.advance(days=1)
    await assess(client, a, project, power=1, interest=1, quality=4, trust=3)
    await assess(client, b, project, power=1, interest=1, quality=3, trust=2)
    await assess(client, c, project, power=1, interest=1, quality=1, trust=5)
    await assess(client, d, project, power=1, interest=1, quality=1, trust=1)
    await assess(client, a, other, power=1, interest=1, quality=1, trust=1)
    return project, earlier


async def test_ratings_and_trend_computed_by_hand(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock
) -> None:
    project, earlier = await build(client, projects, clock)
    body = (await project_engagement(client, project_id=str(project))).json()
    relationships = body["stakeholders"]["relationships"]
    # Latest: a 4, b 3, c 1, d 1.
    assert cells(relationships["relationship_quality"]) == {"1": 2, "2": 0, "3": 1, "4": 1, "5": 0}
    assert relationships["relationship_quality"]["total"] == 4
    # Latest trust: a 3, b 2, c 5, d 1.
    assert cells(relationships["trust"]) == {"1": 1, "2": 1, "3": 1, "4": 0, "5": 1}
    # a 2 → 4, b 4 → 3, c 5 → 1; d has no earlier snapshot.
    assert cells(relationships["relationship_quality_trend"]) == {
        "improving": 1,
        "steady": 0,
        "worsening": 2,
    }
    assert relationships["relationship_quality_trend"]["total"] == 3
    # a 3 → 3, b 4 → 2, c 2 → 5.
    assert cells(relationships["trust_trend"]) == {"improving": 1, "steady": 1, "worsening": 1}
    assert body["suppressed"] == []
    assert "stakeholders.relationships" in body["definitions"]

    # Before the latest snapshots: a 2, b 4, c 5 (its second snapshot: steady, 5 → 5).
    then = (await project_engagement(client, project_id=str(project), as_of=earlier)).json()
    relationships = then["stakeholders"]["relationships"]
    assert cells(relationships["relationship_quality"]) == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert cells(relationships["trust_trend"]) == {"improving": 0, "steady": 1, "worsening": 0}


async def test_the_suppressed_view_hides_small_counts(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock, as_role: Client
) -> None:
    """Four stakeholders: every total is below 5, so the viewer sees no count and each hidden
    figure is listed; the full view is untouched."""
    project, _ = await build(client, projects, clock)
    async with as_role("viewer") as api:
        body = (await project_engagement(api, project_id=str(project))).json()
    relationships = body["stakeholders"]["relationships"]
    for name in ("relationship_quality", "trust", "relationship_quality_trend", "trust_trend"):
        assert relationships[name]["total"] is None
        assert all(count is None for count in cells(relationships[name]).values())
        assert f"/stakeholders/relationships/{name}/total" in body["suppressed"]
    assert "/stakeholders/relationships/trust/cells/4" in body["suppressed"]


async def test_no_snapshots_no_counts(client: httpx.AsyncClient, projects: FakeProjects) -> None:
    project = projects.add_project("olive")
    body = (await project_engagement(client, project_id=str(project))).json()
    relationships = body["stakeholders"]["relationships"]
    assert relationships["trust"]["total"] == 0
    assert cells(relationships["trust_trend"]) == {"improving": 0, "steady": 0, "worsening": 0}
