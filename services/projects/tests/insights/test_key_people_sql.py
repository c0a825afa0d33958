"""`GET /projects/key-people` counted in SQL and paged (#16 item 4): the same loads as the old
all-memberships-in-Python read on a varied portfolio, every page walked, a constant number of
statements per page."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import httpx

from projects_service.team.models import EVALUATOR_ROLES, LEAD_ROLES, SPONSOR_ROLES, TeamRole

Memberships = list[tuple[str, str, TeamRole, bool]]  # subject, project id, role, active


def old_loads(memberships: Memberships, active_projects: set[str]) -> tuple[int, dict[str, Any]]:
    """The loads as the service computed them before #16, as counts."""
    live = [(s, p, r) for s, p, r, active in memberships if active and p in active_projects]
    with_lead = len({p for _, p, r in live if r in LEAD_ROLES})
    loads: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for subject, project, role in live:
        load = loads[subject]
        load["projects"].add(project)
        for name, roles in (("led", LEAD_ROLES), ("sponsored", SPONSOR_ROLES)):
            if role in roles:
                load[name].add(project)
        if role in EVALUATOR_ROLES:
            load["evaluated"].add(project)
    people = {}
    for subject, load in sorted(loads.items()):
        share = round(len(load["led"]) / with_lead, 4) if with_lead else None
        people[subject] = {
            "subject": subject,
            "project_count": len(load["projects"]),
            "led_count": len(load["led"]),
            "sponsored_count": len(load["sponsored"]),
            "evaluated_count": len(load["evaluated"]),
            "share_of_leads": share,
            "flagged": share is not None and share > 0.2,
        }
    return with_lead, people


class TestPortfolioKeyPeopleInSql:
    async def test_the_same_loads_as_the_old_read(
        self,
        client: httpx.AsyncClient,
        build: Any,
        count_sql: Callable[[], AbstractContextManager[Callable[[], int]]],
    ) -> None:
        """Seven projects (one archived), 13 people, repeated and ended memberships."""
        rng = random.Random(9)
        people = [f"person-{n:02d}" for n in range(13)]
        roles = [TeamRole.project_lead, TeamRole.executive_sponsor, TeamRole.evaluator]
        roles += [TeamRole.developmental_evaluator, TeamRole.analyst, TeamRole.member]
        projects = [(await build.project(title=f"Project {n}"))["id"] for n in range(7)]
        memberships: Memberships = []
        for project in projects:
            for subject in rng.sample(people, 4):
                for role in rng.sample(roles, rng.choice((1, 1, 2))):
                    ended = rng.random() < 0.2
                    extra = {"end_date": "2020-01-01", "start_date": "2019-01-01"} if ended else {}
                    await build.member(project, subject, role.value, **extra)
                    memberships.append((subject, project, role, not ended))
        archived = projects[-1]
        await build.ok("POST", f"/v1/projects/{archived}/archive", {"reason": "Duplicate."}, 200)
        with_lead, expected = old_loads(memberships, set(projects) - {archived})
        walked: dict[str, Any] = {}
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": 4, "threshold": 0.2, "on": str(dt.date.today())}
            if cursor:
                params["cursor"] = cursor
            with count_sql() as statements:
                page = await client.get("/v1/projects/key-people", params=params)
            assert page.status_code == 200, page.text
            assert statements() <= 3  # the lead count and the page, whatever the portfolio
            body = page.json()
            assert body["projects_with_a_lead"] == with_lead
            walked |= {p["subject"]: p for p in body["items"]}
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert walked == expected
        assert list(walked) == sorted(walked)
        assert any(p["flagged"] for p in walked.values())
