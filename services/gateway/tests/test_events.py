"""`GET /api/v1/events`: the services' change feeds as one, resumable with one cursor."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.events import decode_cursor, encode_cursor, merge
from gateway.main import create_app as gateway_app
from gateway.routes_table import FEEDS, SERVICES
from shared.testing import PROBLEM_CONTENT_TYPE, TokenFactory, bound_socket, project_body, serving

from .conftest import gateway_settings
from .test_audit import FakeTrail


def bearer(tokens: TokenFactory, role: str, sub: str = "feed-reader") -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens(role, sub=sub)}"}


async def drain(gateway: httpx.AsyncClient, tokens: TokenFactory) -> str:
    """Read the feed to its end (bounded) and return the cursor there."""
    cursor = ""
    for _ in range(100):
        page = (
            await gateway.get(
                f"/api/v1/events?after={cursor}&limit=200", headers=bearer(tokens, "service")
            )
        ).json()
        cursor = str(page["next_cursor"])
        if not page["has_more"]:
            return cursor
    raise AssertionError("the feed did not end")


async def write_in_two_services(gateway: httpx.AsyncClient, tokens: TokenFactory) -> None:
    governance = bearer(tokens, "governance", "gov-feed")
    project = await gateway.post(
        "/api/v1/projects",
        json=project_body(title="Feed probe"),
        headers=governance,
    )
    organisation = await gateway.post(
        "/api/v1/organisations",
        json={"name": "Feed probe trust", "type": "nhs_trust"},
        headers=governance,
    )
    assert project.status_code == organisation.status_code == 201


async def test_one_feed_across_services_resumes_where_it_stopped(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    start = await drain(gateway, tokens)
    await write_in_two_services(gateway, tokens)
    page = (
        await gateway.get(f"/api/v1/events?after={start}", headers=bearer(tokens, "reporter"))
    ).json()
    seen = [(event["source"], event["type"]) for event in page["items"]]
    assert ("projects", "project.created") in seen
    assert ("stakeholders", "organisation.created") in seen
    assert seen.index(("projects", "project.created")) < seen.index(
        ("stakeholders", "organisation.created")
    )
    assert page["has_more"] is False
    again = (
        await gateway.get(
            f"/api/v1/events?after={page['next_cursor']}", headers=bearer(tokens, "reporter")
        )
    ).json()
    assert again["items"] == [] and again["has_more"] is False


async def test_small_pages_walk_the_merged_feed_without_gaps(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    start = await drain(gateway, tokens)
    await write_in_two_services(gateway, tokens)
    everything = (
        await gateway.get(f"/api/v1/events?after={start}", headers=bearer(tokens, "service"))
    ).json()["items"]
    walked: list[str] = []
    cursor = start
    for _ in range(len(everything) + 2):
        page = (
            await gateway.get(
                f"/api/v1/events?after={cursor}&limit=1", headers=bearer(tokens, "service")
            )
        ).json()
        walked += [event["id"] for event in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert walked == [event["id"] for event in everything]


async def test_type_filter(gateway: httpx.AsyncClient, tokens: TokenFactory) -> None:
    start = await drain(gateway, tokens)
    await write_in_two_services(gateway, tokens)
    page = (
        await gateway.get(
            f"/api/v1/events?after={start}&type=organisation.created",
            headers=bearer(tokens, "service"),
        )
    ).json()
    assert {event["type"] for event in page["items"]} == {"organisation.created"}


async def test_a_type_of_another_shape_is_refused_not_an_empty_filter(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    # `?type=true` once matched nothing and answered an empty page, as if the feed were quiet.
    response = await gateway.get("/api/v1/events?type=true", headers=bearer(tokens, "service"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE


async def test_roles_and_cursor_errors_are_problems(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    viewer = await gateway.get("/api/v1/events", headers=bearer(tokens, "viewer"))
    assert (viewer.status_code, viewer.headers["content-type"]) == (403, PROBLEM_CONTENT_TYPE)
    anonymous = await gateway.get("/api/v1/events")
    assert (anonymous.status_code, anonymous.headers["content-type"]) == (401, PROBLEM_CONTENT_TYPE)
    garbage = await gateway.get("/api/v1/events?after=%%%", headers=bearer(tokens, "service"))
    assert garbage.status_code == 422
    assert garbage.json()["type"].endswith("/invalid-cursor")


def event(source: str, position: int, occurred_at: str) -> dict[str, Any]:
    return {
        "id": f"0190e6c1-0000-7000-8000-{position:012d}",
        "position": str(position),
        "source": source,
        "type": f"{source}.changed",
        "entity_type": source,
        "entity_id": "1",
        "occurred_at": occurred_at,
        "actor": None,
        "request_id": None,
        "data": {},
    }


def test_merge_keeps_each_services_order_and_positions() -> None:
    # projects' seq 8 committed after seq 7 but its timestamp is earlier (flushed first): the
    # merge must still emit 7 before 8, or the cursor would skip 7.
    pages = {
        "projects": {
            "items": [
                event("projects", 7, "2026-01-01T00:00:05Z"),
                event("projects", 8, "2026-01-01T00:00:01Z"),
            ],
            "next_cursor": "9",
            "has_more": False,
        },
        "assessment": {
            "items": [event("assessment", 3, "2026-01-01T00:00:03Z")],
            "next_cursor": "3",
            "has_more": False,
        },
        "stakeholders": {"items": [], "next_cursor": "4", "has_more": False},
    }
    start = {"projects": 6, "assessment": 2, "stakeholders": 4}
    feed = merge(pages, start, limit=2)
    assert [(e.source, e.position) for e in feed.items] == [("assessment", "3"), ("projects", "7")]
    assert decode_cursor(feed.next_cursor) == {"projects": 7, "assessment": 3, "stakeholders": 4}
    assert feed.has_more is True
    rest = merge(pages, decode_cursor(feed.next_cursor), limit=10)
    assert decode_cursor(rest.next_cursor)["projects"] == 9  # past filtered-out events too
    assert decode_cursor(encode_cursor({"projects": 1})) == {
        "projects": 1,
        "assessment": 0,
        "stakeholders": 0,
    }


# --- the integrations service, merged when the gateway has its URL -----------------------------


def feed_of(source: str, events: list[tuple[int, str, str]]) -> FakeTrail:
    """A fake `GET /v1/events` of (position, type, occurred_at)."""
    items = [
        {**event(source, position, at), "type": type_, "entity_type": type_.split(".")[0]}
        for position, type_, at in events
    ]
    return FakeTrail(source, items, path="/v1/events")


@pytest.fixture
async def four_feeds() -> AsyncIterator[tuple[dict[str, FakeTrail], httpx.AsyncClient]]:
    fakes = {
        "projects": feed_of("projects", [(1, "project.created", "2026-01-01T00:00:01Z")]),
        "assessment": feed_of("assessment", [(1, "assessment.created", "2026-01-01T00:00:03Z")]),
        "stakeholders": feed_of("stakeholders", []),
        "integrations": feed_of(
            "integrations",
            [
                (1, "oauth_client.created", "2026-01-01T00:00:00Z"),
                (2, "webhook_endpoint.created", "2026-01-01T00:00:02Z"),
                (3, "webhook_endpoint.disabled", "2026-01-01T00:00:04Z"),
            ],
        ),
    }
    async with contextlib.AsyncExitStack() as stack:
        urls = {
            name: await stack.enter_async_context(serving(fake, bound_socket()))
            for name, fake in fakes.items()
        }
        app = gateway_app(gateway_settings(urls))
        url = await stack.enter_async_context(serving(app, bound_socket()))
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=10.0))
        yield fakes, client


async def test_the_integrations_feed_is_merged_when_configured(
    four_feeds: tuple[dict[str, FakeTrail], httpx.AsyncClient], tokens: TokenFactory
) -> None:
    fakes, gateway = four_feeds
    seen: list[tuple[str, str]] = []
    cursor = ""
    for _ in range(10):
        response = await gateway.get(
            "/api/v1/events",
            params={"after": cursor, "limit": 2},
            headers=bearer(tokens, "service"),
        )
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [(e["source"], e["type"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert seen == [
        ("integrations", "oauth_client.created"),
        ("projects", "project.created"),
        ("integrations", "webhook_endpoint.created"),
        ("assessment", "assessment.created"),
        ("integrations", "webhook_endpoint.disabled"),
    ]
    assert decode_cursor(cursor, FEEDS) == {
        "projects": 1,
        "assessment": 1,
        "stakeholders": 0,
        "integrations": 3,
    }
    # A cursor issued before integrations was merged: its position starts at 0.
    old = encode_cursor({"projects": 1, "assessment": 1, "stakeholders": 0})
    response = await gateway.get(
        "/api/v1/events", params={"after": old}, headers=bearer(tokens, "service")
    )
    assert response.status_code == 200, response.text
    assert [e["position"] for e in response.json()["items"]] == ["1", "2", "3"]
    assert fakes["integrations"].queries[-1]["after"] == "0"


def test_an_old_cursor_decodes_with_integrations_at_zero() -> None:
    old = encode_cursor({"projects": 4, "assessment": 5, "stakeholders": 6})
    assert decode_cursor(old, FEEDS) == {
        "projects": 4,
        "assessment": 5,
        "stakeholders": 6,
        "integrations": 0,
    }
    # Merged without integrations, a position for it is kept (carried through the next cursor).
    new = encode_cursor({"projects": 4, "integrations": 9})
    assert decode_cursor(new)["integrations"] == 9
    pages = {name: {"items": [], "next_cursor": "0", "has_more": False} for name in SERVICES}
    assert decode_cursor(merge(pages, decode_cursor(new), limit=5).next_cursor, FEEDS) == {
        "projects": 0,
        "assessment": 0,
        "stakeholders": 0,
        "integrations": 9,
    }
