"""List endpoints issue a constant number of SQL statements whatever the page size."""

from __future__ import annotations

import httpx


async def statements_for(client: httpx.AsyncClient, count_sql, url: str) -> int:
    with count_sql() as counted:
        response = await client.get(url)
        assert response.status_code == 200, response.text
    return int(counted())


async def test_list_statements_do_not_grow_with_page_size(
    client: httpx.AsyncClient, build, count_sql
) -> None:
    project = await build.project()
    agreed = await build.agreed_map(project["id"], markers=("expect_to_see", "like_to_see"))
    partner = agreed["partners"][0]
    markers = [m["id"] for m in partner["markers"]]
    for index in range(6):
        month = f"2025-{index + 1:02d}"
        await build.strategy_journal(project["id"], agreed, f"{month}-01", f"{month}-28")
        await build.performance_journal(
            project["id"],
            agreed,
            f"{month}-01",
            f"{month}-28",
            {"seeking_feedback_from_key_informants": "low"},
        )
        await build.project(title=f"Project {index}")
        await build.member(project["id"], f"person-{index}")
        month = f"2025-{index + 1:02d}"
        await build.journal(
            project["id"],
            partner,
            f"{month}-01",
            f"{month}-28",
            {markers[0]: "low", markers[1]: "high"},
        )
        await client.post(
            f"/v1/projects/{project['id']}/milestones", json={"title": f"Milestone {index}"}
        )
        await client.post(
            f"/v1/projects/{project['id']}/benefits",
            json={"kind": "staff_time", "title": f"B{index}", "unit": "hours", "confidence": "low"},
        )
        await client.post(
            f"/v1/projects/{project['id']}/transitions",
            json={"to": "paused" if index % 2 == 0 else "idea", "reason": "x"},
        )
    for path in (
        "/v1/projects",
        "{p}/team",
        "{p}/outcome-journal",
        "{p}/strategy-journal",
        "{p}/performance-journal",
        "{p}/milestones",
        "{p}/benefits",
        "{p}/transitions",
        "{p}/outcome-maps",
    ):
        url = path.replace("{p}", f"/v1/projects/{project['id']}")
        small = await statements_for(client, count_sql, f"{url}?limit=1")
        large = await statements_for(client, count_sql, f"{url}?limit=6")
        assert small == large, url


async def test_outcome_map_detail_is_constant(client: httpx.AsyncClient, build, count_sql) -> None:
    project = await build.project()
    small = await build.draft_map(project["id"], partners=1)
    url = f"/v1/projects/{project['id']}/outcome-maps"
    with count_sql() as one:
        await client.get(f"{url}/{small['id']}")
    other = await build.project(title="Bigger")
    big = await build.draft_map(
        other["id"], partners=6, markers=("expect_to_see", "like_to_see", "love_to_see")
    )
    with count_sql() as six:
        await client.get(f"/v1/projects/{other['id']}/outcome-maps/{big['id']}")
    assert one() == six()
