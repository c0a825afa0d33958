"""The merged feed's fetch sizes (issue #16 item 9): each service is asked for its recent share
of a page, and the horizon keeps the merge exact when a page of fewer than `limit` events from a
busy service leaves older events of its own unfetched."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gateway.events import FetchSizes, decode_cursor, merge_pages

START = dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)


def event(source: str, position: int, second: float) -> dict[str, Any]:
    at = START + dt.timedelta(seconds=second)
    text = at.isoformat().replace("+00:00", "Z")
    return {"source": source, "position": str(position), "occurred_at": text, "id": "x"}


def page(items: list[dict[str, Any]], *, has_more: bool, end: int = 0) -> dict[str, Any]:
    return {"items": items, "has_more": has_more, "next_cursor": str(end)}


def test_nothing_past_a_full_page_is_taken() -> None:
    # projects was asked for 2 events and has more: its third could be older than 3.0 s.
    pages = {
        "projects": page([event("projects", 1, 1), event("projects", 2, 2)], has_more=True),
        "assessment": page(
            [event("assessment", 1, 1.5), event("assessment", 2, 3)], has_more=False, end=2
        ),
        "stakeholders": page([], has_more=False, end=0),
    }
    start = {"projects": 0, "assessment": 0, "stakeholders": 0}
    merged = merge_pages(pages, start, limit=10)
    assert [(e["source"], e["position"]) for e in merged.items] == [
        ("projects", "1"),
        ("assessment", "1"),
        ("projects", "2"),
    ]
    assert merged.has_more
    # assessment resumes after its first event, not past the one left behind.
    assert decode_cursor(merged.next_cursor) == {"projects": 2, "assessment": 1, "stakeholders": 0}


def test_a_whole_second_sorts_before_its_fractions() -> None:
    pages = {
        "projects": page([event("projects", 1, 5.5)], has_more=False, end=1),
        "assessment": page([event("assessment", 1, 5)], has_more=False, end=1),
        "stakeholders": page([], has_more=False),
    }
    merged = merge_pages(pages, dict.fromkeys(pages, 0), limit=10)
    assert merged.items[0]["occurred_at"].endswith(":05Z")
    assert [e["source"] for e in merged.items] == ["assessment", "projects"]


def test_fetch_sizes_follow_each_services_share_and_reset_on_a_short_page() -> None:
    sizes = FetchSizes(("projects", "assessment", "stakeholders"))
    assert sizes.sizes(None, 200) == {"projects": 200, "assessment": 200, "stakeholders": 200}
    items = [event("projects", i, i) for i in range(150)] + [
        event("assessment", i, i + 0.5) for i in range(50)
    ]
    full = merge_pages(
        {
            "projects": page(items[:150], has_more=True),
            "assessment": page(items[150:], has_more=False, end=49),
            "stakeholders": page([], has_more=False),
        },
        dict.fromkeys(("projects", "assessment", "stakeholders"), 0),
        limit=200,
    )
    assert len(full.items) == 200
    sizes.learn(None, full, 200)
    asked = sizes.sizes(None, 200)
    assert asked["stakeholders"] == FetchSizes.FLOOR
    assert 50 < asked["assessment"] < asked["projects"] <= 200
    assert sizes.sizes(["project.created"], 200)["projects"] == 200  # per filter
    short = merge_pages(
        {
            "projects": page(items[:3], has_more=True),
            "assessment": page([], has_more=False),
            "stakeholders": page([], has_more=False),
        },
        dict.fromkeys(("projects", "assessment", "stakeholders"), 0),
        limit=200,
    )
    sizes.learn(None, short, 200)
    assert sizes.sizes(None, 200) == dict.fromkeys(("projects", "assessment", "stakeholders"), 200)
