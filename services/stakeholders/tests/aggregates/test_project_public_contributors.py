"""`POST /v1/aggregates/project-engagement`: the public contributors' section (the input of an
assessment template's `public_contributor_at_least` gate rule), computed by hand."""

from __future__ import annotations

import datetime as dt

import httpx

from services.stakeholders.tests.aggregates.data import (
    assess,
    create_stakeholder,
    instant,
    project_engagement,
)
from shared.testing import FakeProjects, ManualClock


async def test_highest_level_is_the_contributors_latest_snapshot(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock
) -> None:
    """Contributor a: consult ten days ago, then involve; contributor b: inform; c is not a
    public contributor (empower, left out); a's empower on another project is left out."""
    project = projects.add_project("olive")
    other = projects.add_project("olive")
    a, b = [str((await create_stakeholder(client))["id"]) for _ in range(2)]
    c = str((await create_stakeholder(client, is_public_contributor=False))["id"])
    ten_days_ago = instant(clock.now().replace(microsecond=0) - dt.timedelta(days=10))
    await assess(client, a, project, power=1, interest=1, current="consult",
                 assessed_at=ten_days_ago)  # fmt: skip
    earlier = instant(clock.advance())
    clock.advance(days=1)
    await assess(client, a, project, power=1, interest=1, current="involve")
    await assess(client, b, project, power=1, interest=1, current="inform")
    await assess(client, c, project, power=1, interest=1, current="empower")
    await assess(client, a, other, power=1, interest=1, current="empower")

    now = (await project_engagement(client, project_id=str(project))).json()
    assert now["public_contributors"] == {"assessed": 2, "highest_level": "involve"}
    then = (await project_engagement(client, project_id=str(project), as_of=earlier)).json()
    assert then["public_contributors"] == {"assessed": 1, "highest_level": "consult"}
    assert "public_contributors.highest_level" in now["definitions"]


async def test_a_project_without_contributors_has_no_level(
    client: httpx.AsyncClient, projects: FakeProjects
) -> None:
    project = projects.add_project("olive")
    c = str((await create_stakeholder(client, is_public_contributor=False))["id"])
    await assess(client, c, project, power=1, interest=1, current="empower")
    body = (await project_engagement(client, project_id=str(project))).json()
    assert body["public_contributors"] == {"assessed": 0, "highest_level": None}
