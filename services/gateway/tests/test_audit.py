"""`GET /api/v1/audit` and `/api/v1/audit/export`: every service's audit trail as one, admin
only, filtered, resumable with one cursor, streamed as NDJSON; first against fake trails (so the
merge, the paging and the failures are exact), then against the three real services."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson
import pytest
from starlette.types import Receive, Scope, Send

from gateway.main import create_app as gateway_app
from gateway.merge import decode_cursor, encode_cursor
from gateway.routes_table import FEEDS
from shared.testing import TokenFactory, assert_problem, bound_socket, dead_url, serving

from .conftest import gateway_settings

START = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
SERVICES = ("projects", "assessment", "stakeholders")


def entry(source: str, position: int, second: float, **fields: Any) -> dict[str, Any]:
    at = (START + dt.timedelta(seconds=second)).isoformat().replace("+00:00", "Z")
    return {
        "id": f"00000000-0000-4000-8000-{position:012d}",
        "position": str(position),
        "source": source,
        "occurred_at": at,
        "actor": fields.get("actor", "someone"),
        "request_id": None,
        "entity_type": fields.get("entity_type", "thing"),
        "entity_id": "1",
        "action": fields.get("action", "created"),
        "changes": fields.get("changes", {}),
    }


class FakeTrail:
    """A service's `GET /v1/audit/trail` (or, with `path`, its change feed) over a fixed list,
    recording the queries it gets."""

    def __init__(
        self, source: str, entries: list[dict[str, Any]], *, path: str = "/v1/audit/trail"
    ) -> None:
        self.source = source
        self.entries = entries
        self.path = path
        self.queries: list[dict[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        query = dict(parse_qsl(scope["query_string"].decode()))
        if scope["path"] != self.path:
            await self._json(send, 404, {"detail": "no"})
            return
        self.queries.append(query)
        after, limit = int(query["after"]), int(query["limit"])
        rest = [
            e
            for e in self.entries
            if int(e["position"]) > after
            and all(e.get(k) == query[k] for k in ("actor", "entity_type") if k in query)
        ]
        page, has_more = rest[:limit], len(rest) > limit
        end = int(page[-1]["position"]) if has_more else max([after, *self._positions()])
        await self._json(send, 200, {"items": page, "next_cursor": str(end), "has_more": has_more})

    def _positions(self) -> list[int]:
        return [int(e["position"]) for e in self.entries]

    @staticmethod
    async def _json(send: Send, status: int, payload: Any) -> None:
        body = json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def admin(tokens: TokenFactory) -> dict[str, str]:
    return tokens.headers("admin", sub="audit-admin")


@pytest.fixture
async def trails() -> AsyncIterator[tuple[dict[str, FakeTrail], httpx.AsyncClient]]:
    """Three fake trails: projects writes every second, assessment every 2.5 s (interleaving),
    stakeholders 450 entries (more than two export pages on its own)."""
    fakes = {
        "projects": FakeTrail("projects", [entry("projects", i, i) for i in range(1, 21)]),
        "assessment": FakeTrail(
            "assessment", [entry("assessment", i, i * 2.5, actor="ann") for i in range(1, 9)]
        ),
        "stakeholders": FakeTrail(
            "stakeholders",
            [entry("stakeholders", i, 100 + i / 10) for i in range(1, 451)],
        ),
    }
    async with (
        serving(fakes["projects"], bound_socket()) as projects,
        serving(fakes["assessment"], bound_socket()) as assessment,
        serving(fakes["stakeholders"], bound_socket()) as stakeholders,
    ):
        urls = {"projects": projects, "assessment": assessment, "stakeholders": stakeholders}
        app = gateway_app(gateway_settings(urls))
        async with (
            serving(app, bound_socket()) as url,
            httpx.AsyncClient(base_url=url, timeout=10.0) as client,
        ):
            yield fakes, client


async def test_pages_walk_the_merged_trail_oldest_first_without_gaps(
    trails: tuple[dict[str, FakeTrail], httpx.AsyncClient], tokens: TokenFactory
) -> None:
    fakes, gateway = trails
    seen: list[tuple[str, str]] = []
    cursor = ""
    for _ in range(100):
        response = await gateway.get(
            "/api/v1/audit", params={"after": cursor, "limit": 7}, headers=admin(tokens)
        )
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [(e["source"], e["position"]) for e in page["items"]]
        instants = [dt.datetime.fromisoformat(e["occurred_at"]) for e in page["items"]]
        assert instants == sorted(instants)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    expected = {(name, e["position"]) for name, fake in fakes.items() for e in fake.entries}
    assert len(seen) == len(expected) == 478
    assert set(seen) == expected
    assert decode_cursor(cursor) == {"projects": 20, "assessment": 8, "stakeholders": 450}
    for name in SERVICES:  # each service's own order is kept
        own = [int(position) for source, position in seen if source == name]
        assert own == sorted(own)


async def test_filters_reach_every_service_as_checked(
    trails: tuple[dict[str, FakeTrail], httpx.AsyncClient], tokens: TokenFactory
) -> None:
    fakes, gateway = trails
    response = await gateway.get(
        "/api/v1/audit",
        params={
            "actor": "ann",
            "entity_type": "thing",
            "action": "created",
            "entity_id": "1",
            "from": "2026-11-30T09:00:00+01:00",
            "to": "2026-11-30T10:00:00Z",
            "limit": 200,
        },
        headers=admin(tokens),
    )
    assert response.status_code == 200, response.text
    assert {e["source"] for e in response.json()["items"]} == {"assessment"}
    for fake in fakes.values():
        query = fake.queries[-1]
        assert query["actor"] == "ann"
        assert query["action"] == "created"
        assert query["entity_id"] == "1"
        assert query["from"] == "2026-11-30T08:00:00Z"  # normalised to UTC
        assert query["to"] == "2026-11-30T10:00:00Z"


@pytest.mark.parametrize(
    ("params", "pointer"),
    [
        ({"from": "yesterday"}, "/from"),
        ({"to": "2026-11-30T10:00:00"}, "/to"),  # no offset: not an instant
        ({"limit": "201"}, "/limit"),
        ({"after": "bm90LWEtY3Vyc29y"}, "/after"),
        ({"actor": "x" * 201}, "/actor"),
        ({"since": "2026-11-30T10:00:00Z"}, "/since"),  # not this route's parameter
    ],
)
async def test_bad_input_is_a_422_naming_it(
    trails: tuple[dict[str, FakeTrail], httpx.AsyncClient],
    tokens: TokenFactory,
    params: dict[str, str],
    pointer: str,
) -> None:
    _, gateway = trails
    for path in ("/api/v1/audit", "/api/v1/audit/export"):
        if path.endswith("export") and pointer in ("/after", "/limit"):
            continue
        body = assert_problem(await gateway.get(path, params=params, headers=admin(tokens)), 422)
        assert pointer in [error["pointer"] for error in body["errors"]]


@pytest.mark.parametrize("role", ["governance", "reporter", "service"])
async def test_only_admins_read_the_merged_trail(
    trails: tuple[dict[str, FakeTrail], httpx.AsyncClient], tokens: TokenFactory, role: str
) -> None:
    fakes, gateway = trails
    before = sum(len(fake.queries) for fake in fakes.values())
    for path in ("/api/v1/audit", "/api/v1/audit/export"):
        assert_problem(await gateway.get(path, headers=tokens.headers(role)), 403)
        assert_problem(await gateway.get(path), 401)
        bad = {"Authorization": "Bearer " + tokens("admin")[:-4] + "AAAA"}
        assert_problem(await gateway.get(path, headers=bad), 401)
    assert sum(len(fake.queries) for fake in fakes.values()) == before  # nothing asked


async def test_export_streams_every_entry_as_ndjson(
    trails: tuple[dict[str, FakeTrail], httpx.AsyncClient], tokens: TokenFactory
) -> None:
    fakes, gateway = trails
    lines: list[dict[str, Any]] = []
    async with gateway.stream("GET", "/api/v1/audit/export", headers=admin(tokens)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        async for line in response.aiter_lines():
            if line:
                lines.append(orjson.loads(line))
    assert len(lines) == 478
    assert {(e["source"], e["position"]) for e in lines} == {
        (name, e["position"]) for name, fake in fakes.items() for e in fake.entries
    }
    instants = [dt.datetime.fromisoformat(e["occurred_at"]) for e in lines]
    assert instants == sorted(instants)
    # Bounded: no service was ever asked for more than one page.
    assert max(int(q["limit"]) for fake in fakes.values() for q in fake.queries) <= 200


async def test_export_with_a_service_down_is_a_503_not_an_empty_file(
    tokens: TokenFactory,
) -> None:
    fake = FakeTrail("projects", [entry("projects", 1, 1)])
    async with serving(fake, bound_socket()) as projects:
        urls = {"projects": projects, "assessment": projects, "stakeholders": dead_url()}
        app = gateway_app(gateway_settings(urls))
        async with (
            serving(app, bound_socket()) as url,
            httpx.AsyncClient(base_url=url, timeout=10.0) as gateway,
        ):
            for path in ("/api/v1/audit", "/api/v1/audit/export"):
                assert_problem(await gateway.get(path, headers=admin(tokens)), 503)


# --- the integrations service, merged when the gateway has its URL -----------------------------


@pytest.fixture
async def four_trails() -> AsyncIterator[tuple[dict[str, FakeTrail], httpx.AsyncClient]]:
    """The three services' fake trails and the integrations service's (client created, secret
    rotated, token refused: interleaved with the others)."""
    fakes = {
        "projects": FakeTrail("projects", [entry("projects", i, i) for i in range(1, 21)]),
        "assessment": FakeTrail(
            "assessment", [entry("assessment", i, i * 2.5) for i in range(1, 9)]
        ),
        "stakeholders": FakeTrail(
            "stakeholders", [entry("stakeholders", i, i * 3) for i in range(1, 6)]
        ),
        "integrations": FakeTrail(
            "integrations",
            [
                entry("integrations", 1, 0.5, entity_type="oauth_client", action="created"),
                entry("integrations", 2, 7.5, entity_type="oauth_client", action="updated"),
                entry("integrations", 3, 30, entity_type="oauth_client", action="refused"),
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


async def test_the_integrations_trail_is_merged_when_configured(
    four_trails: tuple[dict[str, FakeTrail], httpx.AsyncClient], tokens: TokenFactory
) -> None:
    fakes, gateway = four_trails
    seen: list[dict[str, Any]] = []
    cursor = ""
    for _ in range(50):
        response = await gateway.get(
            "/api/v1/audit", params={"after": cursor, "limit": 4}, headers=admin(tokens)
        )
        assert response.status_code == 200, response.text
        page = response.json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert {(e["source"], e["position"]) for e in seen} == {
        (name, e["position"]) for name, fake in fakes.items() for e in fake.entries
    }
    assert len(seen) == 36
    assert seen[0]["source"] == "integrations"  # the oldest entry of all
    instants = [dt.datetime.fromisoformat(e["occurred_at"]) for e in seen]
    assert instants == sorted(instants)
    assert decode_cursor(cursor, FEEDS) == {
        "projects": 20,
        "assessment": 8,
        "stakeholders": 5,
        "integrations": 3,
    }
    lines: list[dict[str, Any]] = []
    async with gateway.stream("GET", "/api/v1/audit/export", headers=admin(tokens)) as export:
        assert export.status_code == 200
        lines = [orjson.loads(line) async for line in export.aiter_lines() if line]
    assert sum(e["source"] == "integrations" for e in lines) == 3
    assert len(lines) == 36


async def test_a_cursor_from_before_integrations_was_merged_still_resumes(
    four_trails: tuple[dict[str, FakeTrail], httpx.AsyncClient], tokens: TokenFactory
) -> None:
    fakes, gateway = four_trails
    old = encode_cursor({"projects": 20, "assessment": 8, "stakeholders": 5})
    response = await gateway.get(
        "/api/v1/audit", params={"after": old, "limit": 200}, headers=admin(tokens)
    )
    assert response.status_code == 200, response.text
    page = response.json()
    # Only integrations' entries are new to this reader: its position started at 0.
    assert [(e["source"], e["position"]) for e in page["items"]] == [
        ("integrations", "1"),
        ("integrations", "2"),
        ("integrations", "3"),
    ]
    assert fakes["integrations"].queries[-1]["after"] == "0"
    assert decode_cursor(page["next_cursor"], FEEDS)["integrations"] == 3


async def test_without_integrations_configured_its_position_is_carried_not_dropped(
    trails: tuple[dict[str, FakeTrail], httpx.AsyncClient], tokens: TokenFactory
) -> None:
    # A gateway with the three services only (as the older fixtures configure it) accepts a
    # cursor that names integrations, asks nobody for it and hands its position back as it was.
    fakes, gateway = trails
    cursor = encode_cursor(
        {"projects": 20, "assessment": 8, "stakeholders": 450, "integrations": 7}
    )
    response = await gateway.get("/api/v1/audit", params={"after": cursor}, headers=admin(tokens))
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    assert decode_cursor(response.json()["next_cursor"], FEEDS)["integrations"] == 7
    assert set(fakes) == set(SERVICES)
    unknown = encode_cursor({"projects": 1, "webhooks": 2})
    body = assert_problem(
        await gateway.get("/api/v1/audit", params={"after": unknown}, headers=admin(tokens)), 422
    )
    assert body["type"].endswith("/invalid-cursor")


async def test_integrations_down_is_a_503_not_a_trail_without_it(tokens: TokenFactory) -> None:
    fake = FakeTrail("projects", [entry("projects", 1, 1)])
    async with serving(fake, bound_socket()) as up:
        urls = {**dict.fromkeys(SERVICES, up), "integrations": dead_url()}
        app = gateway_app(gateway_settings(urls))
        async with (
            serving(app, bound_socket()) as url,
            httpx.AsyncClient(base_url=url, timeout=10.0) as gateway,
        ):
            for path in ("/api/v1/audit", "/api/v1/audit/export"):
                assert_problem(await gateway.get(path, headers=admin(tokens)), 503)


# --- against the real services ---------------------------------------------------------------


async def test_real_trails_merge_with_personal_values_redacted(
    gateway: httpx.AsyncClient, services: dict[str, str], tokens: TokenFactory
) -> None:
    start = dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")
    writer = tokens.headers("admin", sub="audit-writer")
    project = await gateway.post(
        "/api/v1/projects",
        json={
            "title": "Audit probe",
            "summary": "s",
            "problem_statement": "p",
            "pillar": "project_innovation",
            "innovation_type": "service_or_pathway_redesign",
            "lead_partner": "joint",
            "directorate": "medicine",
            "site_code": "RQ601",
        },
        headers=writer,
    )
    assert project.status_code == 201, project.text
    person = await gateway.post(
        "/api/v1/stakeholders",
        json={
            "kind": "individual",
            "display_name": "Alice Probe",
            "category": "patient",
            "is_public_contributor": True,
        },
        headers=writer,
    )
    assert person.status_code == 201, person.text

    params: dict[str, str | int] = {"from": start, "actor": "audit-writer", "limit": 200}
    response = await gateway.get("/api/v1/audit", params=params, headers=admin(tokens))
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    created = [(e["source"], e["entity_type"], e["action"]) for e in items]
    assert ("projects", "project", "created") in created
    assert ("stakeholders", "stakeholder", "created") in created
    assert created.index(("projects", "project", "created")) < created.index(
        ("stakeholders", "stakeholder", "created")
    )
    merged = next(e for e in items if e["entity_type"] == "stakeholder")
    assert "Alice Probe" not in response.text
    assert merged["changes"]["display_name"]["after"] == "[redacted]"
    # Exactly what the service itself stores and shows.
    async with httpx.AsyncClient(base_url=services["stakeholders"], timeout=5.0) as direct:
        own = (
            await direct.get(
                "/v1/audit",
                params={"entity_type": "stakeholder", "entity_id": person.json()["id"]},
                headers=admin(tokens),
            )
        ).json()["items"]
    assert [{k: v for k, v in merged.items() if k not in ("position", "source")}] == own

    filters = {"from": start, "actor": "audit-writer"}
    export = await gateway.get("/api/v1/audit/export", params=filters, headers=admin(tokens))
    assert export.status_code == 200
    lines = [orjson.loads(line) for line in export.content.splitlines() if line]
    assert lines == items


async def test_a_services_trail_reads_oldest_first_after_a_position(
    gateway: httpx.AsyncClient, services: dict[str, str], tokens: TokenFactory
) -> None:
    """`GET /v1/audit/trail` (shared.feeds), the page every service gives the merge."""
    writer = tokens.headers("admin", sub="trail-writer")
    names = [f"Trail trust {i}" for i in range(3)]
    for name in names:
        created = await gateway.post(
            "/api/v1/organisations", json={"name": name, "type": "nhs_trust"}, headers=writer
        )
        assert created.status_code == 201, created.text
    async with httpx.AsyncClient(base_url=services["stakeholders"], timeout=5.0) as direct:
        trail = "/v1/audit/trail"
        mine = {"actor": "trail-writer", "entity_type": "organisation"}
        first = await direct.get(trail, params={**mine, "limit": 2}, headers=admin(tokens))
        assert first.status_code == 200, first.text
        page = first.json()
        assert [e["changes"]["name"]["after"] for e in page["items"]] == names[:2]
        assert page["has_more"] and page["next_cursor"] == page["items"][-1]["position"]
        assert {e["source"] for e in page["items"]} == {"stakeholders"}
        rest = (
            await direct.get(
                trail, params={**mine, "after": page["next_cursor"]}, headers=admin(tokens)
            )
        ).json()
        assert [e["changes"]["name"]["after"] for e in rest["items"]] == names[2:]
        assert not rest["has_more"]
        # `from`/`to` bound the instant on the trail and on the newest-first list alike.
        at = rest["items"][0]["occurred_at"]
        for path in (trail, "/v1/audit"):
            since = await direct.get(path, params={**mine, "from": at}, headers=admin(tokens))
            assert [e["occurred_at"] for e in since.json()["items"]] == [at]
            until = await direct.get(path, params={**mine, "to": at}, headers=admin(tokens))
            assert len(until.json()["items"]) == 2
        assert_problem(await direct.get(trail, headers=tokens.headers("viewer")), 403)
        assert_problem(await direct.get(trail, params={"after": "-1"}, headers=admin(tokens)), 422)
        assert_problem(await direct.get(trail, params={"to": "soon"}, headers=admin(tokens)), 422)
