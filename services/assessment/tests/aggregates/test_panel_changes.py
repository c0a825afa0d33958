"""The assessor panel (#14 item 12): the chair adds or replaces an assessor until the first
rating is recorded, an assessor recuses afterwards (their ratings stop counting); each change is
audited with its reason."""

from __future__ import annotations

from typing import Any

import httpx

from shared.testing import assert_problem

from .conftest import Build, at

CHAIR = ("gov-1", "governance")


async def draft(build: Build) -> str:
    build.now(at("2026-03-01"))
    made = await build.call(
        "POST",
        "/v1/assessments",
        json={
            "project_id": build.project(),
            "gate": "g0_triage",
            "template_id": await build.template(),
            "assessors": ["alice", "bob"],
            "panel_chair": "gov-1",
        },
    )
    return f"/v1/assessments/{made['id']}"


async def panel(client: httpx.AsyncClient, path: str) -> dict[str, dict[str, Any]]:
    response = await client.get(f"{path}/panel")
    assert response.status_code == 200, response.text
    return {m["subject"]: m for m in response.json()["items"]}


async def panel_audit(client: httpx.AsyncClient, path: str) -> list[tuple[str, Any, str]]:
    response = await client.get(
        "/v1/audit", params={"entity_type": "assessment", "entity_id": path.rsplit("/", 1)[1]}
    )
    # The trail reads newest first; oldest first here.
    return [
        (e["action"], e["changes"]["panel"]["after"], e["changes"]["reason"]["after"])
        for e in reversed(response.json()["items"])
        if e["action"].startswith("panel_member_")
    ]


async def rate(build: Build, path: str, who: str, values: dict[str, int]) -> None:
    await build.call(
        "PUT", f"{path}/panel/me/declaration", who=(who, "evaluator"), json={"has_conflict": False}
    )
    for code, value in values.items():
        await build.call(
            "PUT",
            f"{path}/ratings/{code}",
            who=(who, "evaluator"),
            json={"value": value, "evidence_level": 4, "rationale": "seen"},
        )


async def test_add_and_replace_until_rating_starts(build: Build, client: httpx.AsyncClient) -> None:
    path = await draft(build)
    added = await client.post(
        f"{path}/panel", json={"subject": "carol", "reason": "A patient-safety lead is needed."}
    )
    assert added.status_code == 201, added.text
    assert added.json()["declaration"] == "pending"
    replaced = await client.post(
        f"{path}/panel/bob/replacement", json={"subject": "dave", "reason": "Bob is on leave."}
    )
    assert replaced.status_code == 200, replaced.text
    assert sorted(await panel(client, path)) == ["alice", "carol", "dave"]
    assert await panel_audit(client, path) == [
        ("panel_member_added", ["alice", "bob", "carol"], "A patient-safety lead is needed."),
        ("panel_member_replaced", ["alice", "carol", "dave"], "Bob is on leave."),
    ]

    # Refusals: twice the same subject, a stranger to the panel, someone not the chair.
    twice = await client.post(f"{path}/panel", json={"subject": "carol", "reason": "again"})
    assert_problem(twice, 409, "already-on-panel")
    nobody = await client.post(
        f"{path}/panel/zoe/replacement", json={"subject": "eve", "reason": "x"}
    )
    assert_problem(nobody, 403, "not-on-panel")  # as the waiver answers it
    async with build.as_("alice", "evaluator") as alice:
        not_chair = await alice.post(f"{path}/panel", json={"subject": "eve", "reason": "x"})
    assert_problem(not_chair, 403, "not-panel-chair")
    blank = await client.post(f"{path}/panel", json={"subject": "eve", "reason": " "})
    assert_problem(blank, 422)

    # The first rating fixes the panel.
    await build.call("POST", f"{path}/transitions", json={"to": "open"})
    await rate(build, path, "alice", {"ordinal": 3})
    late = await client.post(f"{path}/panel", json={"subject": "eve", "reason": "x"})
    assert_problem(late, 409, "panel-rating-started")
    late = await client.post(
        f"{path}/panel/dave/replacement", json={"subject": "eve", "reason": "x"}
    )
    assert_problem(late, 409, "panel-rating-started")


async def test_a_recused_assessor_no_longer_counts(build: Build, client: httpx.AsyncClient) -> None:
    path = await draft(build)
    await client.post(f"{path}/panel", json={"subject": "carol", "reason": "Third view."})
    await build.call("POST", f"{path}/transitions", json={"to": "open"})
    await rate(build, path, "alice", {"ordinal": 4, "likert": 5})
    await rate(build, path, "bob", {"ordinal": 3, "likert": 5})
    await rate(build, path, "carol", {"ordinal": 0, "likert": 1})
    async with build.as_("carol", "evaluator") as carol:
        recused = await carol.post(
            f"{path}/panel/carol/recusal",
            json={"reason": "I advised the supplier last year."},
        )
        assert recused.status_code == 200, recused.text
        assert recused.json()["eligible"] is False
        assert recused.json()["recusal_reason"] == "I advised the supplier last year."
        again = await carol.post(f"{path}/panel/carol/recusal", json={"reason": "again"})
        assert_problem(again, 409, "assessor-recused")
        rating = await carol.put(
            f"{path}/ratings/ordinal", json={"value": 1, "evidence_level": 4, "rationale": "x"}
        )
        assert_problem(rating, 409, "assessor-recused")
        # Recusing someone else is the chair's to record.
        other = await carol.post(f"{path}/panel/bob/recusal", json={"reason": "x"})
        assert_problem(other, 403, "not-panel-chair")
    assert (await panel_audit(client, path))[-1] == (
        "panel_member_recused",
        ["alice", "bob"],
        "I advised the supplier last year.",
    )

    for who in ("alice", "bob"):
        await build.call("POST", f"{path}/panel/me/submission", who=(who, "evaluator"))
    for to in ("scoring", "moderation"):
        await build.call("POST", f"{path}/transitions", json={"to": to})
    await build.call("POST", f"{path}/consensus/medians")
    await build.call("POST", f"{path}/transitions", json={"to": "scored"})
    result = (await client.get(f"{path}/result")).json()
    ordinal = next(c for c in result["score"]["criteria"] if c["code"] == "ordinal")
    # Alice 4, Bob 3 (carol's 0 left out): an even split leans to 3.
    assert ordinal["assessor_values"] == {"alice": 4, "bob": 3}
    assert ordinal["value"] == 3
    assert (await panel(client, path))["carol"]["recused_at"] is not None
