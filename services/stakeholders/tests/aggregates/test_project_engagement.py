"""`POST /v1/aggregates/project-engagement`: one project's picture at a date, computed by hand;
`as_of` reproducibility."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from services.stakeholders.tests.aggregates.data import (
    assess,
    create_stakeholder,
    engagement,
    feedback,
    instant,
    participate,
    project_engagement,
    respond,
    role,
    standards,
)
from shared.testing import FakeProjects, ManualClock

FROM = "2025-01-01T00:00:00Z"


@dataclass
class Project:
    id: uuid.UUID
    stakeholders: list[str]
    completed: str


async def build(client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock) -> Project:
    """Stakeholders a-c on the map (a moved from manage closely to keep informed); engagements
    e1 consult workshop completed (7 anonymous, a and b attended, c did not), e2 involve meeting
    planned, e3 cancelled, e4 before the period; feedback on e1: answered after 2 and 4 days
    (the first closed) and one open; roles: a reviewer (design, evaluation), b co-designer
    (design), c's role ended before the period; standards 2025-Q1 then 2025-Q2."""
    project = projects.add_project("olive")
    other = projects.add_project("olive")
    a, b, c = [str((await create_stakeholder(client))["id"]) for _ in range(3)]
    ten_days_ago = instant(clock.now().replace(microsecond=0) - dt.timedelta(days=10))
    await assess(
        client, a, project, power=4, interest=4, legitimacy=True, urgency=True,
        current="consult", target="collaborate", assessed_at=ten_days_ago,
    )  # fmt: skip
    await assess(
        client, a, project, power=2, interest=4, legitimacy=True, current="involve",
        target="involve",
    )  # fmt: skip
    await assess(
        client, b, project, power=5, interest=1, legitimacy=True, current="inform",
        target="empower",
    )  # fmt: skip
    await assess(client, c, project, power=1, interest=1, current="inform", target="consult")
    # Another project's snapshot of a stays off this project's map.
    await assess(client, a, other, power=5, interest=5, current="empower", target="empower")
    e1 = await engagement(
        client, [project, other], level="consult", held_at="2025-02-01T10:00:00Z",
        to="completed", anonymous=7,
    )  # fmt: skip
    await engagement(
        client, [project], level="involve", type_="meeting", held_at="2025-03-01T10:00:00Z"
    )
    await engagement(client, [project], level="empower", held_at="2025-03-02T10:00:00Z",
                     to="cancelled")  # fmt: skip
    e4 = await engagement(
        client, [project], level="inform", held_at="2024-05-01T10:00:00Z", to="completed",
        anonymous=50,
    )  # fmt: skip
    await participate(client, e1, a)
    await participate(client, e1, b)
    await participate(client, e1, c, attended=False)
    await participate(client, e4, c)
    first, second, _ = [await feedback(client, e1) for _ in range(3)]
    await feedback(client, e4)
    clock.advance(days=2)
    await respond(client, e1, first, close=True)
    clock.advance(days=2)
    await respond(client, e1, second)
    await role(client, a, project, kind="reviewer", stages=["design", "evaluation"])
    await role(client, b, project, kind="co_designer", stages=["design"], start="2025-02-01")
    await role(client, c, project, kind="reviewer", start="2024-01-01", end="2024-06-01")
    await standards(client, project, "2025-Q1", {"impact": "not_started"})
    await standards(client, project, "2025-Q2", {"impact": "established"})
    await standards(client, other, "2025-Q4", {"impact": "embedded"})
    return Project(project, [a, b, c], e1)


def counts(rows: list[dict[str, Any]], key: str) -> dict[Any, int]:
    return {row[key]: row["count"] for row in rows if row["count"]}


def cells(distribution: dict[str, Any]) -> dict[str, int | None]:
    return {cell["value"]: cell["count"] for cell in distribution["cells"] if cell["count"] != 0}


async def test_figures_computed_by_hand(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock
) -> None:
    project = await build(client, projects, clock)
    response = await project_engagement(client, project_id=str(project.id), period_from=FROM)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == {"from": FROM, "to": body["as_of"]}
    picture = body["stakeholders"]
    assert picture["threshold"] == 3
    assert picture["assessed"] == 3
    assert counts(picture["mendelow"], "quadrant") == {
        "keep_satisfied": 1,  # b: power 5, interest 1
        "keep_informed": 1,  # a, latest: power 2, interest 4
        "monitor": 1,  # c
    }
    assert len(picture["mendelow"]) == 4
    assert counts(picture["salience"], "salience_class") == {
        "discretionary": 1,  # a: legitimacy only (power 2)
        "dominant": 1,  # b: power and legitimacy
        "non_stakeholder": 1,  # c
    }
    assert len(picture["salience"]) == 8
    assert picture["iap2"] == [
        {"level": "inform", "current": 2, "target": 0},
        {"level": "consult", "current": 0, "target": 1},
        {"level": "involve", "current": 1, "target": 1},
        {"level": "collaborate", "current": 0, "target": 0},
        {"level": "empower", "current": 0, "target": 1},
    ]
    assert picture["below_target"] == 2
    assert counts(picture["engagement_gap"], "gap") == {1: 1, 4: 1}
    assert body["engagements"] == {
        "total": 2,
        "completed": 1,
        "by_iap2_level": {
            "inform": 0,
            "consult": 1,
            "involve": 1,
            "collaborate": 0,
            "empower": 0,
        },
        "by_type": [{"type": "meeting", "count": 1}, {"type": "workshop", "count": 1}],
        "attended_participants": 2,
        "anonymous_attendees": 7,
    }
    assert body["feedback"] == {
        "items": 3,
        "responded": 2,
        "closed": 1,
        "closure_rate": 0.3333,
        "median_days_to_response": 3.0,
    }
    involvement = body["involvement"]
    assert involvement["contributors"] == 2
    assert cells(involvement["by_role"]) == {"reviewer": 1, "co_designer": 1}
    assert cells(involvement["by_stage"]) == {"design": 2, "evaluation": 1}
    assert involvement["by_role"]["total"] == 2
    assert body["standards"]["period"] == "2025-Q2"
    assert {r["standard"]: r["level"] for r in body["standards"]["ratings"]} == {
        "inclusive_opportunities": "developing",
        "working_together": "developing",
        "support_and_learning": "developing",
        "communications": "developing",
        "impact": "established",
        "governance": "developing",
    }
    assert body["suppressed"] == []
    assert {"stakeholders.mendelow", "feedback.closure_rate", "standards"} <= set(
        body["definitions"]
    )


async def test_without_from_the_whole_history_counts(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock
) -> None:
    project = await build(client, projects, clock)
    body = (await project_engagement(client, project_id=str(project.id))).json()
    assert body["period"]["from"] is None
    assert body["engagements"]["total"] == 3
    assert body["engagements"]["anonymous_attendees"] == 57
    assert body["engagements"]["attended_participants"] == 3
    assert body["feedback"]["items"] == 4
    assert body["involvement"]["contributors"] == 3


async def test_an_unknown_project_answers_zeros(client: httpx.AsyncClient) -> None:
    body = (await project_engagement(client, project_id=str(uuid.uuid4()))).json()
    assert body["stakeholders"]["assessed"] == 0
    assert body["engagements"]["total"] == 0
    assert body["feedback"]["closure_rate"] is None
    assert body["feedback"]["median_days_to_response"] is None
    assert body["standards"]["period"] is None
    assert {r["level"] for r in body["standards"]["ratings"]} == {None}


async def test_an_earlier_as_of_is_not_changed_by_later_records(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock
) -> None:
    project = await build(client, projects, clock)
    as_of = instant(clock.advance())
    asked = {"project_id": str(project.id), "period_from": FROM}
    before = (await project_engagement(client, as_of=as_of, **asked)).json()
    clock.advance(days=3)
    c = project.stakeholders[2]
    # A back-dated snapshot, a new engagement held before `as_of`, a participation, feedback
    # and its response, a role and a later self-assessment.
    await assess(client, c, project.id, power=5, interest=5, current="empower", assessed_at=as_of)
    late = await engagement(
        client, [project.id], level="empower", held_at="2025-02-10T10:00:00Z", to="completed",
        anonymous=9,
    )  # fmt: skip
    await participate(client, late, c)
    await respond(client, project.completed, await feedback(client, project.completed))
    await role(client, c, project.id, kind="peer_facilitator", start="2025-01-05")
    await standards(client, project.id, "2025-Q3", {"impact": "embedded"})
    again = (await project_engagement(client, as_of=as_of, **asked)).json()
    assert again == before
    now = (await project_engagement(client, **asked)).json()
    assert now["stakeholders"]["mendelow"][0] == {"quadrant": "manage_closely", "count": 1}
    assert now["engagements"]["total"] == 3
    assert now["feedback"]["items"] == 4
    assert now["involvement"]["contributors"] == 3
    assert now["standards"]["period"] == "2025-Q3"
