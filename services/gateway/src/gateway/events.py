"""`GET /api/v1/events`: one change feed for the whole platform.

It fans out to every service's `GET /v1/events` with the caller's token (each service checks
the roles itself), merges the pages oldest first while keeping each service's own order (so
per-entity order holds), and returns one opaque cursor that carries every service's position.
A reporting job or an intranet integration polls one URL instead of three. If a service cannot
be reached the call fails (503) rather than skip its events: the feed is at least once.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as dt
import heapq
import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import pydantic_core
from cachetools import LRUCache
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from gateway.proxy import TRANSPORT_ERRORS, Upstreams, problem_for
from gateway.routes_table import SERVICES
from shared.context import current_request_id, traceparent_var
from shared.feeds import MAX_POSITION, EventRead, EventType
from shared.http import BadGateway
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT
from shared.problems import FieldError, Forbidden, InvalidInput, Unauthorized, problem_responses


class PlatformFeed(BaseModel):
    items: list[EventRead]
    next_cursor: str = Field(description="Where to resume: pass it as `after` on the next poll.")
    has_more: bool = Field(description="True when more events are ready now.")


class InvalidFeedCursor(InvalidInput):
    slug = "invalid-cursor"
    title = "The cursor is not valid for this feed"


def encode_cursor(positions: Mapping[str, int]) -> str:
    raw = json.dumps(dict(sorted(positions.items())), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _not_a_cursor() -> InvalidFeedCursor:
    return InvalidFeedCursor(
        "Use a cursor this feed returned.",
        errors=[FieldError(pointer="/after", location="query", detail="Not a feed cursor.")],
    )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a feed position")


def decode_cursor(cursor: str | None) -> dict[str, int]:
    """The positions a cursor carries. Only what `encode_cursor` writes is accepted: a JSON object
    of known service names to integers in 0..2^63-1. Floats (`1e23`, `1e400`), `NaN`, booleans,
    negative or larger numbers and unknown names are a 422, never a 500 or a service's 422
    relayed as a 502."""
    positions = dict.fromkeys(SERVICES, 0)
    if not cursor:
        return positions
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _not_a_cursor() from exc
    if not isinstance(value, dict) or not value.keys() <= positions.keys():
        raise _not_a_cursor()
    for name, position in value.items():
        # `bool` is an `int` subclass: `true` is no position.
        if isinstance(position, bool) or not isinstance(position, int):
            raise _not_a_cursor()
        if not 0 <= position <= MAX_POSITION:
            raise _not_a_cursor()
        positions[name] = position
    return positions


@dataclass(frozen=True)
class MergedFeed:
    """A merged page as the services' decoded JSON: events are passed on, never re-validated
    (each service built them from the same `EventRead` model; validating 200 events again cost
    the gateway 14-15 ms per page, issue #16 item 9)."""

    items: list[dict[str, Any]]
    next_cursor: str
    has_more: bool

    def json_bytes(self) -> bytes:
        body = {"items": self.items, "next_cursor": self.next_cursor, "has_more": self.has_more}
        # pydantic-core's encoder: compact UTF-8 like FastAPI's, a fifth of json.dumps' time.
        return pydantic_core.to_json(body)


def _instant(event: Mapping[str, Any]) -> dt.datetime:
    # Parsed, not compared as text: a whole second is written without a fraction
    # (`...:05Z` would sort after `...:05.5Z`).
    return dt.datetime.fromisoformat(event["occurred_at"])


def merge_pages(
    pages: Mapping[str, Mapping[str, Any]], positions: Mapping[str, int], limit: int
) -> MergedFeed:
    """Take up to `limit` events oldest first, each service's events staying in feed order.
    Only `occurred_at`, `position` and the page fields are read.

    A service whose page is full (`has_more`) may hold older events than some already fetched
    from the others just past its page, so nothing after its last fetched event is taken (the
    horizon). With pages of `limit` events that changes nothing (that service alone fills the
    page up to there); with smaller pages (`FetchSizes`) a page may end short, `has_more` set."""
    queues = {name: page["items"] for name, page in pages.items()}
    heap = [(_instant(q[0]), name, 0) for name, q in queues.items() if q]
    heapq.heapify(heap)
    bounds = [_instant(queues[name][-1]) for name, page in pages.items() if page["has_more"]]
    horizon = min(bounds) if bounds else None
    taken: list[dict[str, Any]] = []
    consumed = dict.fromkeys(queues, 0)
    while heap and len(taken) < limit:
        if horizon is not None and heap[0][0] > horizon:
            break
        _, name, index = heapq.heappop(heap)
        taken.append(queues[name][index])
        consumed[name] = index + 1
        if index + 1 < len(queues[name]):
            heapq.heappush(heap, (_instant(queues[name][index + 1]), name, index + 1))
    next_positions = dict(positions)
    has_more = False
    for name, page in pages.items():
        items = queues[name]
        if consumed[name] == len(items) and not page["has_more"]:
            next_positions[name] = int(page["next_cursor"])  # past filtered-out events too
        elif consumed[name]:
            next_positions[name] = int(items[consumed[name] - 1]["position"])
        has_more = has_more or page["has_more"] or consumed[name] < len(items)
    return MergedFeed(items=taken, next_cursor=encode_cursor(next_positions), has_more=has_more)


class FetchSizes:
    """How many events to ask each service for. Asking every one for `limit` events made each
    merged page read three pages to send one (the services' work was two thirds of the cost):
    each service is asked for its recent share of merged pages (an average over the last few,
    per `type` filter), with slack, so the horizon rarely cuts a page short. A first page, an
    unknown filter, and any page that ended short ask for `limit` from everyone again."""

    SLACK = 1.3
    FLOOR = 10  # a quiet service still gets a real look
    WEIGHT = 0.3  # of the latest page in the running share

    def __init__(self, services: tuple[str, ...], *, filters: int = 128) -> None:
        self.services = services
        self._shares: LRUCache[tuple[str, ...], dict[str, float]] = LRUCache(maxsize=filters)

    def sizes(self, types: list[str] | None, limit: int) -> dict[str, int]:
        shares = self._shares.get(tuple(sorted(types or ())))
        if shares is None:
            return dict.fromkeys(self.services, limit)
        return {
            name: min(limit, max(self.FLOOR, math.ceil(limit * shares[name] * self.SLACK)))
            for name in self.services
        }

    def learn(self, types: list[str] | None, merged: MergedFeed, limit: int) -> None:
        key = tuple(sorted(types or ()))
        if merged.has_more and len(merged.items) < limit:
            self._shares.pop(key, None)  # cut short: ask everyone for a full page next time
            return
        if not merged.items:
            return
        counts = Counter(item["source"] for item in merged.items)
        latest = {name: counts.get(name, 0) / len(merged.items) for name in self.services}
        previous = self._shares.get(key)
        self._shares[key] = (
            latest
            if previous is None
            else {
                name: (1 - self.WEIGHT) * previous[name] + self.WEIGHT * latest[name]
                for name in self.services
            }
        )


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


async def _page(
    upstreams: Upstreams,
    service: str,
    *,
    authorization: str,
    after: int,
    limit: int,
    types: list[str] | None,
) -> dict[str, Any]:
    """One service's page, fetched with the proxy's aiohttp session for that service (its
    pages are 100-250 kB: httpx's pure-Python HTTP parsing was a third of the merge's cost)."""
    params = [("after", str(after)), ("limit", str(limit)), *(("type", t) for t in types or ())]
    # Always the caller's own token: the feed must never be read with the gateway's identity.
    headers = {"Authorization": authorization, "Accept": "application/json"}
    if request_id := current_request_id():
        headers["X-Request-ID"] = request_id
    if traceparent := traceparent_var.get():
        headers["traceparent"] = traceparent
    try:
        async with upstreams.session(service).get(
            f"{upstreams.base_urls[service]}/v1/events", params=params, headers=headers
        ) as response:
            status, body = response.status, await response.read()
    except TRANSPORT_ERRORS as exc:
        raise problem_for(exc, service) from exc
    if status in (401, 403):
        # Every service checks the token the same way: pass its verdict on.
        detail = _detail(body)
        raise Unauthorized(detail) if status == 401 else Forbidden(detail)
    if status != 200:
        raise BadGateway(f"The {service} service's feed answered {status}.")
    try:
        page: dict[str, Any] = pydantic_core.from_json(body)
    except ValueError as exc:
        raise BadGateway(f"The {service} service's feed answered with an unreadable body.") from exc
    return page


def _detail(body: bytes) -> str:
    try:
        problem = json.loads(body)
    except ValueError:
        return ""
    return str(problem.get("detail") or "") if isinstance(problem, dict) else ""


def events_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["events"])
    fetch_sizes = FetchSizes(SERVICES)

    @router.get(
        "/events",
        operation_id="list_platform_events",
        response_model=PlatformFeed,
        responses=problem_responses(401, 403, 422, 500, 502, 503, 504),
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
        least once. Roles: `service`, `reporter` or `admin` (checked by each service)."""
        authorization = request.headers.get("authorization")
        if not authorization:
            raise Unauthorized("Send `Authorization: Bearer <token>`.")
        positions = decode_cursor(after)
        upstreams: Upstreams = request.app.state.upstreams
        names = list(SERVICES)
        sizes = fetch_sizes.sizes(type, limit)
        results = await asyncio.gather(
            *(
                _page(
                    upstreams,
                    name,
                    authorization=authorization,
                    after=positions[name],
                    limit=sizes[name],
                    types=type,
                )
                for name in names
            )
        )
        merged = merge_pages(dict(zip(names, results, strict=True)), positions, limit)
        fetch_sizes.learn(type, merged, limit)
        # Sent as it is: `response_model` documents it, and FastAPI validates no Response.
        return Response(merged.json_bytes(), media_type="application/json")

    return router
