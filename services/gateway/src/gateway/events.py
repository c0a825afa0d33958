"""`GET /api/v1/events`: one change feed for the whole platform.

It fans out to every service's `GET /v1/events` with the caller's token (each service checks
the roles itself), merges the pages oldest first while keeping each service's own order (so
per-entity order holds), and returns one opaque cursor that carries every service's position
(the shared mechanism in gateway.merge). A reporting job or an intranet integration polls one
URL instead of one per service (the integrations service's included when the gateway has its
URL). If a service cannot be reached the call fails (503) rather than skip its events: the feed
is at least once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from gateway.merge import (
    FetchSizes,
    InvalidFeedCursor,
    MergedPage,
    Merger,
    decode_cursor,
    encode_cursor,
    merge_pages,
)
from gateway.proxy import Upstreams
from gateway.routes_table import SERVICES
from shared.feeds import EventRead, EventType
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT
from shared.problems import Unauthorized, problem_responses

# A merged page of events (the name the feed's callers and tests know).
MergedFeed = MergedPage


class PlatformFeed(BaseModel):
    items: list[EventRead]
    next_cursor: str = Field(description="Where to resume: pass it as `after` on the next poll.")
    has_more: bool = Field(description="True when more events are ready now.")


def merge(
    pages: Mapping[str, Mapping[str, Any]], positions: Mapping[str, int], limit: int
) -> PlatformFeed:
    """`merge_pages` as the documented model (for Python callers and tests; the route sends
    `merge_pages`' JSON as it is)."""
    merged = merge_pages(pages, positions, limit)
    return PlatformFeed(
        items=[EventRead.model_validate(item) for item in merged.items],
        next_cursor=merged.next_cursor,
        has_more=merged.has_more,
    )


def events_router(services: tuple[str, ...] = SERVICES) -> APIRouter:
    """The routes, merging `services`: those of routes_table.FEEDS this gateway has URLs for."""
    router = APIRouter(prefix="/api/v1", tags=["events"])
    merger = Merger("/v1/events", services)

    @router.get(
        "/events",
        operation_id="list_platform_events",
        response_model=PlatformFeed,
        responses=problem_responses(401, 403, 422, 429, 500, 502, 503, 504),
    )
    async def list_platform_events(
        request: Request,
        after: Annotated[
            str | None, Query(max_length=500, description="Cursor from `next_cursor`.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        type: Annotated[
            list[EventType] | None, Query(description="Only these event types.")
        ] = None,
    ) -> Response:
        """Every service's change feed as one: oldest first, each entity's events in order, at
        least once. Roles: `service`, `reporter` or `admin` (checked by each service).

        Every event type and the JSON Schema of its `data` are in the AsyncAPI 3.0 document at
        [`/api/asyncapi.json`](/api/asyncapi.json) (each service's catalog at its own
        `GET /v1/events/schemas`)."""
        authorization = request.headers.get("authorization")
        if not authorization:
            raise Unauthorized("Send `Authorization: Bearer <token>`.")
        upstreams: Upstreams = request.app.state.upstreams
        merged = await merger.page(
            upstreams,
            authorization=authorization,
            positions=merger.positions(after),
            limit=limit,
            params=[("type", t) for t in type or ()],
        )
        # Sent as it is: `response_model` documents it, and FastAPI validates no Response.
        return Response(merged.json_bytes(), media_type="application/json")

    return router


__all__ = [
    "FetchSizes",
    "InvalidFeedCursor",
    "MergedFeed",
    "PlatformFeed",
    "decode_cursor",
    "encode_cursor",
    "events_router",
    "merge",
    "merge_pages",
]
