"""Aggregates: who may read, what the suppressed view hides (primary and secondary
suppression, no subjects), and bad input."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from services.stakeholders.tests.aggregates.data import (
    create_stakeholder,
    engagement,
    engagement_aggregate,
    instant,
    link,
    participate,
    project_engagement,
    role,
)
from shared.testing import FakeProjects, ManualClock, assert_problem

Client = Callable[..., httpx.AsyncClient]


async def owners(client: httpx.AsyncClient, projects: FakeProjects) -> uuid.UUID:
    """13 relationships on one project: 6 olive's alone, 2 pete's alone, 5 shared."""
    project = projects.add_project("olive", "pete")
    for owner_set in [("olive",)] * 6 + [("pete",)] * 2 + [("olive", "pete")] * 5:
        stakeholder = str((await create_stakeholder(client))["id"])
        for owner, kind in zip(owner_set, ("beneficiary", "advisor"), strict=False):
            await link(client, stakeholder, project, owner=owner, role=kind)
    return project


FULL_PEOPLE = [
    {"subject": "olive", "owned": 11, "sole_owned": 6, "share": 0.4615, "flagged": True},
    {"subject": "pete", "owned": 7, "sole_owned": 2, "share": 0.1538, "flagged": False},
]


@pytest.mark.parametrize(
    ("roles", "sub"), [(("admin",), "ada"), (("service",), "service:reporting")]
)
async def test_admin_and_the_service_identity_see_subjects(
    client: httpx.AsyncClient, projects: FakeProjects, as_role: Client, roles: Any, sub: str
) -> None:
    project = await owners(client, projects)
    async with as_role(*roles, sub=sub) as api:
        body = (await engagement_aggregate(api, project_ids=[str(project)])).json()
    assert body["ownership"]["people"] == FULL_PEOPLE
    assert body["ownership"]["shared_relationships"] == 5
    assert body["suppressed"] == []


@pytest.mark.parametrize("reader", ["reporter", "viewer"])
async def test_reporter_and_viewer_get_the_suppressed_view(
    client: httpx.AsyncClient, projects: FakeProjects, as_role: Client, reader: str
) -> None:
    """pete's 2 is hidden, and so is the shared 5: with the total 13 and olive's 6 shown, the
    shared count would give pete's away."""
    project = await owners(client, projects)
    governance = (await engagement_aggregate(client, project_ids=[str(project)])).json()
    assert governance["ownership"]["people"] == FULL_PEOPLE
    async with as_role(reader, sub="rita") as api:
        response = await engagement_aggregate(api, project_ids=[str(project)])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["ownership"] == {
        "flag_share": 0.25,
        "relationships": 13,
        "shared_relationships": None,
        "flagged": 1,
        "people": [
            {"subject": None, "owned": 11, "sole_owned": 6, "share": 0.4615, "flagged": True},
            {"subject": None, "owned": 7, "sole_owned": None, "share": None, "flagged": False},
        ],
    }
    assert body["suppressed"] == [
        "/ownership/people/1/sole_owned",
        "/ownership/people/1/share",
        "/ownership/shared_relationships",
    ]
    assert "olive" not in response.text and "pete" not in response.text
    # The coverage and inclusivity figures count engagements and projects, not people.
    assert body["coverage"] == governance["coverage"]


async def test_few_relationships_hide_everything_but_the_flags(
    client: httpx.AsyncClient, projects: FakeProjects, as_role: Client
) -> None:
    project = projects.add_project("olive")
    for _ in range(3):
        await link(client, str((await create_stakeholder(client))["id"]), project, owner="olive")
    async with as_role("reporter") as api:
        body = (await engagement_aggregate(api, project_ids=[str(project)])).json()
    assert body["ownership"] == {
        "flag_share": 0.25,
        "relationships": None,
        "shared_relationships": None,
        "flagged": 1,
        "people": [
            {"subject": None, "owned": None, "sole_owned": None, "share": None, "flagged": True}
        ],
    }
    assert set(body["suppressed"]) == {
        "/ownership/people/0/sole_owned",
        "/ownership/people/0/share",
        "/ownership/people/0/owned",
        "/ownership/shared_relationships",
        "/ownership/relationships",
    }


async def test_only_governance_and_admin_move_the_flag(as_role: Client) -> None:
    """Moving the flag over a hidden share would find it out."""
    async with as_role("reporter") as api:
        response = await engagement_aggregate(api, owner_flag_share=0.1)
    assert_problem(response, 403, "forbidden")
    async with as_role("governance") as api:
        assert (await engagement_aggregate(api, owner_flag_share=0.1)).status_code == 200


@pytest.mark.parametrize("reader", ["contributor", "evaluator"])
async def test_team_roles_may_not_read_the_portfolio(as_role: Client, reader: str) -> None:
    async with as_role(reader, sub="olive") as api:
        assert_problem(await engagement_aggregate(api), 403, "forbidden")


async def involved(client: httpx.AsyncClient, projects: FakeProjects) -> uuid.UUID:
    """7 public contributors (6 reviewers, 1 co-designer, all at design), 3 attended people."""
    project = projects.add_project("olive")
    people = [str((await create_stakeholder(client))["id"]) for _ in range(7)]
    for index, person in enumerate(people):
        kind = "co_designer" if index == 6 else "reviewer"
        await role(client, person, project, kind=kind, stages=["design"])
    held = await engagement(
        client, [project], level="consult", held_at="2025-02-01T10:00:00Z", to="completed",
        anonymous=12,
    )  # fmt: skip
    for person in people[:3]:
        await participate(client, held, person)
    return project


async def test_the_project_picture_suppressed(
    client: httpx.AsyncClient, projects: FakeProjects, as_role: Client
) -> None:
    """The co-designer's 1 is hidden, so the reviewers' 6 is too (7 - 6 would reveal it)."""
    project = await involved(client, projects)
    full = (await project_engagement(client, project_id=str(project))).json()
    assert full["engagements"]["attended_participants"] == 3
    assert {c["value"]: c["count"] for c in full["involvement"]["by_role"]["cells"]}[
        "reviewer"
    ] == 6
    async with as_role("viewer") as api:
        body = (await project_engagement(api, project_id=str(project))).json()
    assert body["engagements"]["attended_participants"] is None
    assert body["engagements"]["anonymous_attendees"] == 12
    assert body["involvement"]["contributors"] == 7
    by_role = body["involvement"]["by_role"]
    assert by_role["total"] == 7
    assert all(cell["count"] is None for cell in by_role["cells"])
    assert "/engagements/attended_participants" in body["suppressed"]
    assert "/involvement/by_role/cells/3" in body["suppressed"]  # reviewer
    # The relationship ratings are counts of people (no snapshots here: all hidden as zeros).
    relationships = body["stakeholders"].pop("relationships")
    assert relationships["trust"]["total"] is None
    full["stakeholders"].pop("relationships")
    assert body["stakeholders"] == full["stakeholders"]


async def test_a_team_member_reads_their_project_suppressed(
    client: httpx.AsyncClient, projects: FakeProjects, as_role: Client
) -> None:
    project = await involved(client, projects)
    async with as_role("contributor", sub="olive") as api:
        response = await project_engagement(api, project_id=str(project))
    assert response.status_code == 200, response.text
    assert response.json()["engagements"]["attended_participants"] is None
    async with as_role("evaluator", sub="olive") as api:
        assert (await project_engagement(api, project_id=str(project))).status_code == 200
    async with as_role("contributor", sub="stranger") as api:
        response = await project_engagement(api, project_id=str(project))
    assert_problem(response, 403, "not-a-project-team-member")


async def test_no_token(app: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as api:
        assert_problem(await engagement_aggregate(api), 401)
        assert_problem(await project_engagement(api, project_id=str(uuid.uuid4())), 401)


async def test_as_of_in_the_future(client: httpx.AsyncClient, clock: ManualClock) -> None:
    tomorrow = instant(clock.now() + dt.timedelta(days=1))
    body = assert_problem(
        await engagement_aggregate(client, as_of=tomorrow), 422, "as-of-in-future"
    )
    assert [e["pointer"] for e in body["errors"]] == ["/as_of"]
    response = await project_engagement(client, project_id=str(uuid.uuid4()), as_of=tomorrow)
    assert_problem(response, 422, "as-of-in-future")


async def test_a_period_that_ends_before_it_starts(
    client: httpx.AsyncClient, clock: ManualClock
) -> None:
    late, early = "2025-06-01T00:00:00Z", "2025-01-01T00:00:00Z"
    body = assert_problem(
        await engagement_aggregate(client, period_from=late, to=early), 422, "invalid-period"
    )
    assert [e["pointer"] for e in body["errors"]] == ["/from"]
    after_as_of = instant(clock.now() - dt.timedelta(days=1))
    response = await engagement_aggregate(client, period_from=after_as_of, as_of=early)
    assert_problem(response, 422, "invalid-period")
    response = await project_engagement(
        client, project_id=str(uuid.uuid4()), period_from=late, as_of=early
    )
    assert_problem(response, 422, "invalid-period")


@pytest.mark.parametrize(
    "body",
    [
        {"as_of": "2025-01-01T00:00:00"},  # naive
        {"from": "2025-01-01"},  # a date, not an instant
        {"project_ids": ["not-a-uuid"]},
        {"project_ids": str(uuid.uuid4())},
        {"period_from": "2025-01-01T00:00:00Z"},  # the field is spelt `from`
        {"owner_flag_share": 1.5},
        {"owner_flag_share": "0.5"},
        {"project_id": str(uuid.uuid4())},  # unknown here
    ],
)
async def test_bad_engagement_bodies(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert_problem(await client.post("/v1/aggregates/engagement", json=body), 422)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"project_id": "nope"},
        {"project_id": str(uuid.uuid4()), "to": "2025-01-01T00:00:00Z"},
        {"project_id": str(uuid.uuid4()), "project_ids": []},
    ],
)
async def test_bad_project_bodies(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert_problem(await client.post("/v1/aggregates/project-engagement", json=body), 422)


async def test_reads_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/aggregates/engagement")
    assert_problem(response, 405)
    assert response.headers["allow"] == "POST"
