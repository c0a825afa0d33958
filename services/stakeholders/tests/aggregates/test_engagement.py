"""`POST /v1/aggregates/engagement`: coverage, relationship ownership and inclusivity against a
small portfolio computed by hand; `as_of` reproducibility; the suppressed view."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.stakeholders.tests.aggregates.data import (
    assess,
    create_stakeholder,
    engagement,
    engagement_aggregate,
    instant,
    link,
    role,
)
from shared.testing import FakeProjects, ManualClock, assert_problem

PERIOD = {"period_from": "2025-01-01T00:00:00Z", "to": "2025-12-31T23:59:59Z"}


@dataclass
class Portfolio:
    p1: uuid.UUID
    p2: uuid.UUID
    p3: uuid.UUID
    p4: uuid.UUID
    stakeholders: list[str]

    @property
    def asked(self) -> list[str]:
        return [str(self.p1), str(self.p2), str(self.p3)]


async def build(client: httpx.AsyncClient, projects: FakeProjects) -> Portfolio:
    """P1-P3 are asked about, P4 is not (every record on it must be left out).

    Engagements: e1 P1 consult (completed), e2 P1+P2 involve, e3 P2 empower cancelled, e4 P1
    inform before the period, e5 P4 collaborate. Links: s1 P1+P2 olive (sole), s2 P1 olive +
    P2 pete (shared), s3 P2 pete (sole), s4 P3 olive (sole), s5 P4 pete. Involvement: P1 by
    a role in the period, P2 by public contributor s3's latest snapshot at `involve`; P3 has a
    role ended before the period and a non-contributor at `collaborate`."""
    p1, p2, p3, p4 = (projects.add_project("olive", "pete") for _ in range(4))
    await engagement(client, [p1], level="consult", held_at="2025-02-01T10:00:00Z", to="completed")
    await engagement(client, [p1, p2], level="involve", held_at="2025-03-01T10:00:00Z")
    await engagement(client, [p2], level="empower", held_at="2025-04-01T10:00:00Z", to="cancelled")
    await engagement(client, [p1], level="inform", held_at="2024-06-01T10:00:00Z")
    await engagement(client, [p4], level="collaborate", held_at="2025-02-01T10:00:00Z")
    s = [str((await create_stakeholder(client))["id"]) for _ in range(4)]
    s.append(str((await create_stakeholder(client, is_public_contributor=False))["id"]))
    s1, s2, s3, s4, s5 = s
    await link(client, s1, p1, owner="olive")
    await link(client, s1, p2, owner="olive")
    await link(client, s2, p1, owner="olive")
    await link(client, s2, p2, owner="pete")
    await link(client, s3, p2, owner="pete")
    await link(client, s4, p3, owner="olive")
    await link(client, s5, p4, owner="pete")
    await role(client, s1, p1, start="2025-01-10")
    await role(client, s4, p3, start="2024-01-01", end="2024-12-01")
    await role(client, s1, p4, start="2025-01-10")
    await assess(client, s3, p2, power=2, interest=4, current="collaborate")
    await assess(client, s3, p2, power=2, interest=4, current="involve")
    await assess(client, s5, p3, power=2, interest=4, current="collaborate")
    await assess(client, s4, p3, power=2, interest=4, current="involve")
    await assess(client, s4, p3, power=2, interest=4, current="consult")
    return Portfolio(p1, p2, p3, p4, s)


def levels(**counts: int) -> dict[str, int]:
    return {
        level: counts.get(level, 0)
        for level in ("inform", "consult", "involve", "collaborate", "empower")
    }


async def test_figures_computed_by_hand(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock
) -> None:
    portfolio = await build(client, projects)
    clock.advance()
    response = await engagement_aggregate(client, project_ids=portfolio.asked, **PERIOD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == {"from": "2025-01-01T00:00:00Z", "to": "2025-12-31T23:59:59Z"}
    p1, p2 = str(portfolio.p1), str(portfolio.p2)
    assert body["coverage"] == {
        "projects_requested": 3,
        "projects_with_engagement": 2,
        "share": 0.6667,
        "engagements": 2,
        "by_iap2_level": levels(consult=1, involve=1),
        "projects": sorted(
            [
                {
                    "project_id": p1,
                    "engagements": 2,
                    "by_iap2_level": levels(consult=1, involve=1),
                    "highest_level": "involve",
                },
                {
                    "project_id": p2,
                    "engagements": 1,
                    "by_iap2_level": levels(involve=1),
                    "highest_level": "involve",
                },
            ],
            key=lambda row: uuid.UUID(str(row["project_id"])),
        ),
    }
    assert body["ownership"] == {
        "flag_share": 0.25,
        "relationships": 4,
        "shared_relationships": 1,
        "flagged": 1,
        "people": [
            {"subject": "olive", "owned": 3, "sole_owned": 2, "share": 0.5, "flagged": True},
            # Exactly the flag share is not above it.
            {"subject": "pete", "owned": 2, "sole_owned": 1, "share": 0.25, "flagged": False},
        ],
    }
    assert body["inclusivity"] == {
        "projects_requested": 3,
        "projects_with_public_involvement": 2,
        "share": 0.6667,
    }
    assert body["suppressed"] == []
    assert {"coverage", "ownership.people.sole_owned", "inclusivity.share"} <= set(
        body["definitions"]
    )


async def test_all_projects_and_the_flag_share(
    client: httpx.AsyncClient, projects: FakeProjects
) -> None:
    """Null asks about every project: P4's records count and shares of projects are null."""
    await build(client, projects)
    body = (await engagement_aggregate(client, project_ids=None, **PERIOD)).json()
    assert body["coverage"]["projects_requested"] is None
    assert body["coverage"]["share"] is None
    assert body["coverage"]["projects_with_engagement"] == 3
    assert body["coverage"]["engagements"] == 3
    assert body["coverage"]["by_iap2_level"] == levels(consult=1, involve=1, collaborate=1)
    assert body["ownership"]["relationships"] == 5
    people = {row["subject"]: row for row in body["ownership"]["people"]}
    assert people["pete"] == {
        "subject": "pete",
        "owned": 3,
        "sole_owned": 2,
        "share": 0.4,
        "flagged": True,
    }
    assert body["inclusivity"] == {
        "projects_requested": None,
        "projects_with_public_involvement": 3,
        "share": None,
    }
    stricter = await engagement_aggregate(client, owner_flag_share=0.45)
    assert [row["flagged"] for row in stricter.json()["ownership"]["people"]] == [False, False]
    assert stricter.json()["ownership"]["flag_share"] == 0.45


async def test_the_period_and_an_empty_set(
    client: httpx.AsyncClient, projects: FakeProjects
) -> None:
    portfolio = await build(client, projects)
    # Without `from`, the 2024 engagement of P1 counts too; `to` before March drops e2.
    body = (
        await engagement_aggregate(client, project_ids=portfolio.asked, to="2025-02-15T00:00:00Z")
    ).json()
    assert body["period"]["from"] is None
    assert body["coverage"]["by_iap2_level"] == levels(inform=1, consult=1)
    assert [row["project_id"] for row in body["coverage"]["projects"]] == [str(portfolio.p1)]
    nothing = (await engagement_aggregate(client, project_ids=[], **PERIOD)).json()
    assert nothing["coverage"]["projects_requested"] == 0
    assert nothing["coverage"]["share"] is None
    assert nothing["ownership"]["people"] == []
    assert nothing["inclusivity"]["projects_with_public_involvement"] == 0


async def test_an_earlier_as_of_is_not_changed_by_later_records(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock
) -> None:
    portfolio = await build(client, projects)
    as_of = instant(clock.advance())
    asked = {"project_ids": portfolio.asked, **PERIOD}
    before = (await engagement_aggregate(client, as_of=as_of, **asked)).json()
    clock.advance(days=1)
    # Everything below lands in the period or before `as_of`, recorded after it.
    await engagement(client, [portfolio.p3], level="empower", held_at="2025-05-01T10:00:00Z")
    s1, _, s3, s4, _ = portfolio.stakeholders
    await link(client, s3, portfolio.p3, owner="pete")
    await link(client, s4, portfolio.p1, owner="pete", role="advisor")
    await role(client, s3, portfolio.p3, start="2025-02-01")
    await assess(
        client, s1, portfolio.p2, power=4, interest=4, current="empower", assessed_at=as_of
    )
    again = (await engagement_aggregate(client, as_of=as_of, **asked)).json()
    assert again == before
    now = (await engagement_aggregate(client, **asked)).json()
    assert now["coverage"]["projects_with_engagement"] == 3
    assert now["inclusivity"]["projects_with_public_involvement"] == 3
    assert now["ownership"]["shared_relationships"] == 2


async def test_the_period_ends_at_as_of(
    client: httpx.AsyncClient, projects: FakeProjects, clock: ManualClock
) -> None:
    clock.freeze(dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC))
    project = projects.add_project("olive")
    await engagement(client, [project], level="inform", held_at="2025-02-01T10:00:00Z")
    # Held after `as_of` (planned for later): not in a period that ends at `as_of`.
    await engagement(client, [project], level="consult", held_at="2025-06-01T10:00:00Z")
    body = (await engagement_aggregate(client, project_ids=[str(project)], **PERIOD)).json()
    assert body["period"]["to"] == "2025-03-01T12:00:00Z"
    assert body["as_of"] == "2025-03-01T12:00:00Z"
    assert body["coverage"]["by_iap2_level"] == levels(inform=1)


@pytest.mark.parametrize("count", [1, 20_000])
async def test_the_id_set_is_one_parameter(
    client: httpx.AsyncClient, projects: FakeProjects, count: int
) -> None:
    """Thousands of ids, bound as one value on either database (20,000, the schema's limit,
    fits the default 1 MiB body limit)."""
    portfolio = await build(client, projects)
    ids = [str(portfolio.p1)] + [str(uuid.uuid4()) for _ in range(count - 1)]
    body: dict[str, Any] = (await engagement_aggregate(client, project_ids=ids, **PERIOD)).json()
    assert body["coverage"]["projects_requested"] == count
    assert body["coverage"]["projects_with_engagement"] == 1
    assert body["ownership"]["relationships"] == 2
    assert body["inclusivity"]["projects_with_public_involvement"] == 1


async def test_more_ids_than_the_bound_are_refused_before_any_query(
    client: httpx.AsyncClient,
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(20_001)]
    response = await engagement_aggregate(client, project_ids=ids, **PERIOD)
    body = assert_problem(response, 422, "validation-error")
    assert any(error["pointer"] == "/project_ids" for error in body["errors"]), body
