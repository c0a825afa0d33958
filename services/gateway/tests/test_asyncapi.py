"""`GET /api/asyncapi.json` over real sockets: merged from the real services' catalogs
(`GET /v1/events/schemas` on each), cached, and partial (the missing service named) when one is
down."""

from __future__ import annotations

import httpx


async def test_merged_from_every_feed_service(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/asyncapi.json", timeout=35.0)
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["asyncapi"] == "3.0.0"
    feed = document["channels"]["changeFeed"]["messages"]
    assert {key.split(".", 1)[0] for key in feed} == {"projects", "assessment", "stakeholders"}
    assert {"projects.project.stage_changed", "assessment.decision.recorded"} <= set(feed)
    assert "stakeholders.relationship.orphaned" in feed
    assert "x-unavailable-services" not in document["info"]
    # Every schema reference resolves inside the document.
    text = response.text
    for name in document["components"]["schemas"]:
        text = text.replace(f'"#/components/schemas/{name}"', "")
    assert "#/components/schemas/" not in text
    again = await gateway.get("/api/asyncapi.json")
    assert again.json() == document


async def test_with_a_service_down(partial_gateway: httpx.AsyncClient) -> None:
    document = (await partial_gateway.get("/api/asyncapi.json", timeout=35.0)).json()
    assert document["info"]["x-unavailable-services"] == ["stakeholders"]
    assert "stakeholders" in document["info"]["description"]
    feed = document["channels"]["changeFeed"]["messages"]
    assert "projects.project.created" in feed
    assert not any(key.startswith("stakeholders.") for key in feed)
