"""The projects service's worked example, end to end through the gateway over real sockets:
register a project, agree an outcome map whose partner references a real stakeholder (checked
by projects against the stakeholders service), journal a quarter, read attainment; the broken
rules answer problems through the gateway too. Then the `make demo` loader for this area runs
twice against the same stack (idempotent)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

# The demo loaders live in the repository's `scripts/` (not an installed package).
from scripts.demo import Step, load_projects, run
from scripts.demo_projects import load_projects_detail
from shared.problems import problem_type
from shared.testing import TokenFactory, project_body

ROOT = Path(__file__).resolve().parents[3]


def auth(tokens: TokenFactory, role: str = "governance", sub: str = "gov-1") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens(role, sub=sub)}"}


async def ok(
    gateway: httpx.AsyncClient, headers: dict[str, str], method: str, url: str, body: Any = None
) -> Any:
    response = await gateway.request(method, f"/api/v1{url}", json=body, headers=headers)
    assert response.is_success, response.text
    return response.json()


async def test_register_agree_journal_and_read_attainment(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    gov = auth(tokens)
    stakeholder = await ok(
        gateway,
        auth(tokens, "admin"),
        "POST",
        "/stakeholders",
        {"kind": "group", "display_name": "ED nursing team", "category": "staff_clinical"},
    )
    project = await ok(
        gateway,
        gov,
        "POST",
        "/projects",
        project_body(
            title="Virtual ward (gateway flow)", core20plus5_tags=["chronic_respiratory_disease"]
        ),
    )
    base = f"/projects/{project['id']}"
    draft = await ok(
        gateway,
        gov,
        "POST",
        f"{base}/outcome-maps",
        {"vision": "Recover at home", "mission": "Co-design"},
    )
    maps = f"{base}/outcome-maps/{draft['id']}"
    partner = await ok(
        gateway,
        gov,
        "POST",
        f"{maps}/partners",
        {
            "name": "ED nursing team",
            "outcome_challenge": "Refers on day one",
            "stakeholder_refs": [stakeholder["id"]],
        },
    )
    marker = await ok(
        gateway,
        gov,
        "POST",
        f"{maps}/partners/{partner['id']}/markers",
        {"level": "expect_to_see", "text": "Uses the referral card"},
    )
    agree = {"to": "agreed", "agreed_in": "Workshop"}
    agreed = await ok(gateway, gov, "POST", f"{maps}/transitions", agree)
    assert agreed["status"] == "agreed"
    entry = await ok(
        gateway,
        gov,
        "POST",
        f"{base}/outcome-journal",
        {
            "boundary_partner_id": partner["id"],
            "period_start": "2026-01-01",
            "period_end": "2026-03-31",
            "marker_ratings": [{"progress_marker_id": marker["id"], "rating": "medium"}],
        },
    )
    await ok(
        gateway,
        gov,
        "POST",
        f"{base}/outcome-journal/{entry['id']}/transitions",
        {"to": "submitted"},
    )
    attainment = await ok(gateway, gov, "GET", f"{base}/attainment")
    level = attainment["partners"][0]["levels"][0]
    assert (level["level"], level["attained"], level["attainment_share"]) == (
        "expect_to_see",
        1,
        1.0,
    )

    unknown = await gateway.post(
        f"/api/v1{maps}/partners",
        headers=gov,
        json={"name": "GPs", "stakeholder_refs": ["00000000-0000-7000-8000-000000000000"]},
    )
    assert unknown.status_code == 409  # the map is agreed: read-only, before any reference check
    assert unknown.json()["type"] == problem_type("outcome-map-read-only")
    illegal = await gateway.post(
        f"/api/v1{base}/transitions", headers=gov, json={"to": "closed", "reason": "x"}
    )
    assert illegal.status_code == 409 and illegal.json()["rule"] == "close-only-from-sustained"
    outsider = await gateway.patch(
        f"/api/v1{base}", headers=auth(tokens, "contributor", "mallory"), json={"summary": "x"}
    )
    assert outsider.status_code == 403 and outsider.json()["type"] == problem_type(
        "not-a-project-team-member"
    )


async def test_unknown_stakeholder_is_a_422_through_the_gateway(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    gov = auth(tokens)
    project = await ok(
        gateway,
        gov,
        "POST",
        "/projects",
        project_body(title="Stakeholder check"),
    )
    draft = await ok(gateway, gov, "POST", f"/projects/{project['id']}/outcome-maps", {})
    response = await gateway.post(
        f"/api/v1/projects/{project['id']}/outcome-maps/{draft['id']}/partners",
        headers=gov,
        json={"name": "GPs", "stakeholder_refs": ["00000000-0000-7000-8000-000000000000"]},
    )
    assert response.status_code == 422 and response.json()["type"] == problem_type(
        "unknown-stakeholder"
    )


async def test_demo_loader_is_idempotent(gateway_url: str) -> None:
    steps = [Step("projects", load_projects), Step("project detail", load_projects_detail)]
    first = await asyncio.to_thread(run, gateway_url, steps)
    second = await asyncio.to_thread(run, gateway_url, steps)
    created = [r for r in second.results if r.outcome == "created"]
    assert first.ids["project detail:map"] == second.ids["project detail:map"]
    assert created == []
