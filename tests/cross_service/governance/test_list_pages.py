"""The assessment's sub-lists (panel, evidence, consensus) and the framework sources are pages."""

from __future__ import annotations

from typing import Any

import httpx

from .flow import Flow


async def walk(client: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    """Follow `next_cursor` from `limit=1` to the end; check it matches the one-page list."""
    whole = await client.get(url)
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert set(body) == {"items", "next_cursor"} and body["next_cursor"] is None
    assert len(body["items"]) >= 2  # otherwise limit=1 proves nothing
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 1}
        if cursor is not None:
            params["cursor"] = cursor
        page = await client.get(url, params=params)
        assert page.status_code == 200, page.text
        seen.extend(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        assert 'rel="next"' in page.headers["Link"]
        assert len(seen) <= len(body["items"])  # bounded: a cursor loop fails here
    assert seen == body["items"]  # every item once, in the one-page order
    return seen


class TestAssessmentSubLists:
    async def test_panel_is_a_page(self, flow: Flow) -> None:
        assessment = await flow.assessment(assessors=["alice", "bob", "carol"])
        async with flow.gov as client:
            members = await walk(client, f"/v1/assessments/{assessment['id']}/panel")
        assert [m["subject"] for m in members] == ["alice", "bob", "carol"]

    async def test_evidence_is_a_page(self, flow: Flow) -> None:
        assessment = await flow.opened()
        await flow.declare(assessment["id"], "alice")
        async with flow.as_("alice") as alice:
            for title in ("Audit Q1", "Audit Q2", "Survey"):
                added = await alice.post(
                    f"/v1/assessments/{assessment['id']}/evidence",
                    json={"kind": "routine_data", "title": title, "evidence_level": 3},
                )
                assert added.status_code == 201, added.text
            items = await walk(alice, f"/v1/assessments/{assessment['id']}/evidence")
        assert [i["title"] for i in items] == ["Audit Q1", "Audit Q2", "Survey"]

    async def test_consensus_is_a_page(self, flow: Flow) -> None:
        assessment = await flow.scored()
        async with flow.gov as client:
            rows = await walk(client, f"/v1/assessments/{assessment['id']}/consensus")
        codes = [r["criterion_code"] for r in rows]
        assert codes == sorted(codes)


class TestFrameworkSourcesPage:
    async def test_sources_are_a_page(self, flow: Flow) -> None:
        async with flow.gov as client:
            sources = await walk(client, "/v1/frameworks/sources")
        codes = [s["code"] for s in sources]
        assert codes == sorted(codes) and "nasss" in codes
