"""The one merge mechanism behind the gateway's platform-wide reads (`/api/v1/events`,
`/api/v1/audit`): fan out to every service with the caller's token, merge the pages oldest first
while keeping each service's own order, and carry every service's position in one opaque cursor.

A service's page has the change feed's shape, `{items, next_cursor, has_more}`, where each item
carries `source`, `position` and `occurred_at` and `next_cursor` is a feed position. Items are
passed on as the services' decoded JSON (orjson), never re-validated: each service built them
from its own published model, and validating 200 events again cost the gateway 14-15 ms per page
(issue #16 item 9). If a service cannot be reached the call fails (503) rather than skip its
items: the merged reads are at least once.

Which services are merged is the gateway's configuration (routes_table.FEEDS named in
`service_urls`), so a cursor carries positions for some of them: a service it does not name
starts at 0 (a cursor issued before the integrations service was merged still works), and a
position for a known service this gateway does not merge is carried through unchanged.
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
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from cachetools import LRUCache

from gateway.proxy import TRANSPORT_ERRORS, Upstreams, problem_for
from gateway.routes_table import FEEDS, SERVICES
from shared.context import current_request_id, traceparent_var
from shared.feeds import MAX_POSITION
from shared.http import BadGateway
from shared.problems import FieldError, Forbidden, InvalidInput, Unauthorized

Params = Sequence[tuple[str, str]]


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


def decode_cursor(cursor: str | None, services: Sequence[str] = SERVICES) -> dict[str, int]:
    """The positions a cursor carries, with every one of `services` (those merged) present.
    Only what `encode_cursor` writes is accepted: a JSON object of known feed names
    (routes_table.FEEDS) to integers in 0..2^63-1. Floats (`1e23`, `1e400`), `NaN`, booleans,
    negative or larger numbers and unknown names are a 422, never a 500 or a service's 422
    relayed as a 502."""
    positions = dict.fromkeys(services, 0)
    if not cursor:
        return positions
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        # The stdlib parser, not orjson: it can refuse `NaN` and big integers precisely.
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _not_a_cursor() from exc
    if not isinstance(value, dict) or not value.keys() <= set(FEEDS):
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
class MergedPage:
    """A merged page as the services' decoded JSON (see the module docstring)."""

    items: list[dict[str, Any]]
    next_cursor: str
    has_more: bool

    def json_bytes(self) -> bytes:
        # orjson: compact UTF-8 like FastAPI's encoder, the items written as they were read.
        return orjson.dumps(
            {"items": self.items, "next_cursor": self.next_cursor, "has_more": self.has_more}
        )


def _instant(item: Mapping[str, Any]) -> dt.datetime:
    # Parsed, not compared as text: a whole second is written without a fraction
    # (`...:05Z` would sort after `...:05.5Z`).
    return dt.datetime.fromisoformat(item["occurred_at"])


def merge_pages(
    pages: Mapping[str, Mapping[str, Any]], positions: Mapping[str, int], limit: int
) -> MergedPage:
    """Take up to `limit` items oldest first, each service's items staying in its own order.
    Only `occurred_at`, `position` and the page fields are read.

    A service whose page is full (`has_more`) may hold older items than some already fetched
    from the others just past its page, so nothing after its last fetched item is taken (the
    horizon). With pages of `limit` items that changes nothing (that service alone fills the
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
            next_positions[name] = int(page["next_cursor"])  # past filtered-out items too
        elif consumed[name]:
            next_positions[name] = int(items[consumed[name] - 1]["position"])
        has_more = has_more or page["has_more"] or consumed[name] < len(items)
    return MergedPage(items=taken, next_cursor=encode_cursor(next_positions), has_more=has_more)


class FetchSizes:
    """How many items to ask each service for. Asking every one for `limit` items made each
    merged page read three pages to send one (the services' work was two thirds of the cost):
    each service is asked for its recent share of merged pages (an average over the last few,
    per filter), with slack, so the horizon rarely cuts a page short. A first page, an unknown
    filter, and any page that ended short ask for `limit` from everyone again."""

    SLACK = 1.3
    FLOOR = 10  # a quiet service still gets a real look
    WEIGHT = 0.3  # of the latest page in the running share

    def __init__(self, services: tuple[str, ...], *, filters: int = 128) -> None:
        self.services = services
        self._shares: LRUCache[tuple[str, ...], dict[str, float]] = LRUCache(maxsize=filters)

    def sizes(self, filters: Sequence[str] | None, limit: int) -> dict[str, int]:
        shares = self._shares.get(tuple(sorted(filters or ())))
        if shares is None:
            return dict.fromkeys(self.services, limit)
        return {
            name: min(limit, max(self.FLOOR, math.ceil(limit * shares[name] * self.SLACK)))
            for name in self.services
        }

    def learn(self, filters: Sequence[str] | None, merged: MergedPage, limit: int) -> None:
        key = tuple(sorted(filters or ()))
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


async def fetch_page(
    upstreams: Upstreams,
    service: str,
    path: str,
    *,
    authorization: str,
    params: Params,
) -> dict[str, Any]:
    """One service's page, fetched with the proxy's aiohttp session for that service (its
    pages are 100-250 kB: httpx's pure-Python HTTP parsing was a third of the merge's cost)."""
    # Always the caller's own token: a merged read must never use the gateway's identity.
    headers = {"Authorization": authorization, "Accept": "application/json"}
    if request_id := current_request_id():
        headers["X-Request-ID"] = request_id
    if traceparent := traceparent_var.get():
        headers["traceparent"] = traceparent
    try:
        async with upstreams.session(service).get(
            f"{upstreams.base_urls[service]}{path}", params=list(params), headers=headers
        ) as response:
            status, body = response.status, await response.read()
    except TRANSPORT_ERRORS as exc:
        raise problem_for(exc, service) from exc
    if status in (401, 403):
        # Every service checks the token the same way: pass its verdict on.
        detail = _detail(body)
        raise Unauthorized(detail) if status == 401 else Forbidden(detail)
    if status != 200:
        raise BadGateway(f"The {service} service answered {path} with {status}.")
    try:
        page = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadGateway(f"The {service} service answered {path} unreadably.") from exc
    if not isinstance(page, dict) or not isinstance(page.get("items"), list):
        raise BadGateway(f"The {service} service answered {path} with no page.")
    return page


def _detail(body: bytes) -> str:
    try:
        problem = json.loads(body)
    except ValueError:
        return ""
    return str(problem.get("detail") or "") if isinstance(problem, dict) else ""


class Merger:
    """Reads one platform-wide trail (`path` on every service) as merged pages."""

    def __init__(self, path: str, services: tuple[str, ...] = SERVICES) -> None:
        self.path = path
        self.services = services
        self.fetch_sizes = FetchSizes(services)

    def positions(self, cursor: str | None) -> dict[str, int]:
        """`cursor`'s positions, every merged service's included (see the module docstring)."""
        return decode_cursor(cursor, self.services)

    async def page(
        self,
        upstreams: Upstreams,
        *,
        authorization: str,
        positions: Mapping[str, int],
        limit: int,
        params: Params = (),
    ) -> MergedPage:
        """The next `limit` items after `positions`; `params` are the filters every service is
        sent (and the key under which fetch sizes are learnt)."""
        filters = [f"{name}={value}" for name, value in params]
        sizes = self.fetch_sizes.sizes(filters, limit)
        names = list(self.services)
        results = await asyncio.gather(
            *(
                fetch_page(
                    upstreams,
                    name,
                    self.path,
                    authorization=authorization,
                    params=[
                        ("after", str(positions[name])),
                        ("limit", str(sizes[name])),
                        *params,
                    ],
                )
                for name in names
            )
        )
        merged = merge_pages(dict(zip(names, results, strict=True)), positions, limit)
        self.fetch_sizes.learn(filters, merged, limit)
        return merged

    async def walk(
        self,
        upstreams: Upstreams,
        *,
        authorization: str,
        positions: Mapping[str, int],
        limit: int,
        params: Params = (),
    ) -> AsyncGenerator[MergedPage, None]:
        """Merged pages from `positions` until every service has no more ready: one page in
        memory at a time, whatever the trail's length."""
        while True:
            merged = await self.page(
                upstreams,
                authorization=authorization,
                positions=positions,
                limit=limit,
                params=params,
            )
            yield merged
            if not merged.has_more:
                return
            positions = self.positions(merged.next_cursor)
