"""The shared request checks seen through the gateway (issue #9 items 7, 8, 15, 16): the merged
events cursor holds only known services at bounded integer positions, an unknown parameter is a
422 from whichever process owns the route, and every problem names the caller's `/api/v1/...`
path, bounded."""

from __future__ import annotations

import base64
import time

import httpx
import pytest

from gateway.events import InvalidFeedCursor, decode_cursor, encode_cursor
from shared.testing import TokenFactory

MAX = 2**63 - 1


@pytest.fixture(scope="module", autouse=True)
async def warm_services(services: dict[str, str]) -> None:
    """A service's first request is slow (seconds, on a loaded machine): pay it here, not inside
    the gateway's read timeout of a fan-out."""
    async with httpx.AsyncClient(timeout=60.0) as client:
        for url in services.values():
            await client.get(f"{url}/healthz")


def raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


HOSTILE_CURSORS = [
    '{"projects":1e400}',
    '{"projects":1e23}',
    '{"projects":1.0}',
    '{"projects":NaN}',
    '{"projects":-Infinity}',
    '{"projects":-1}',
    '{"projects":true}',
    '{"projects":"7"}',
    '{"projects":null}',
    f'{{"projects":{MAX + 1}}}',
    '{"projects":' + "9" * 5000 + "}",
    '{"reporting":1}',
    '["projects"]',
    '"projects"',
    "[" * 5000 + "]" * 5000,
    "not json",
]


@pytest.mark.parametrize("text", HOSTILE_CURSORS)
def test_decode_cursor_accepts_only_what_encode_writes(text: str) -> None:
    with pytest.raises(InvalidFeedCursor) as caught:
        decode_cursor(raw(text))
    assert caught.value.errors is not None and caught.value.errors[0].pointer == "/after"


def test_decode_cursor_round_trips_the_bounds() -> None:
    positions = {"projects": MAX, "assessment": 0, "stakeholders": 12}
    assert decode_cursor(encode_cursor(positions)) == positions
    assert decode_cursor(raw('{"assessment":3}')) == {
        "projects": 0,
        "assessment": 3,
        "stakeholders": 0,
    }


async def test_hostile_event_cursors_are_422_at_the_gateway(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    headers = {"Authorization": f"Bearer {tokens('service')}"}
    for text in ('{"projects":1e400}', '{"projects":1e23}', f'{{"projects":{MAX + 1}}}'):
        response = await gateway.get("/api/v1/events", params={"after": raw(text)}, headers=headers)
        assert response.status_code == 422, (text, response.text)
        assert response.json()["errors"][0]["pointer"] == "/after"


async def test_unknown_parameters_are_refused_by_the_owner_of_the_route(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    headers = {"Authorization": f"Bearer {tokens('governance', 'service')}"}
    for path in ("/api/v1/events", "/api/v1/projects", "/api/v1/frameworks"):
        response = await gateway.get(
            path, params={"as_of": "2026-01-01T00:00:00Z"}, headers=headers
        )
        assert response.status_code == 422, (path, response.text)
        body = response.json()
        assert body["type"].endswith("/unknown-query-parameter")
        assert body["errors"] == [
            {"pointer": "/as_of", "location": "query", "detail": "Unknown parameter."}
        ]
        assert body["instance"] == path
        cache_busted = await gateway.get(path, params={"_": "1700000000"}, headers=headers)
        assert cache_busted.status_code == 200, (path, cache_busted.text)


async def test_problems_behind_the_gateway_name_the_callers_path(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    headers = {"Authorization": f"Bearer {tokens('governance')}"}
    nul = await gateway.get("/api/v1/projects", params={"q": "a\x00b"}, headers=headers)
    assert nul.status_code == 422
    assert nul.json()["instance"] == "/api/v1/projects"
    assert nul.json()["errors"][0]["pointer"] == "/q"
    # A caller's own prefix header is not passed on.
    spoofed = await gateway.get(
        "/api/v1/projects?bogus=1", headers={**headers, "X-Forwarded-Prefix": "/elsewhere"}
    )
    assert spoofed.json()["instance"] == "/api/v1/projects"
    long_id = "x" * 5000
    missing = await gateway.get(f"/api/v1/projects/{long_id}", headers=headers)
    assert missing.status_code in (404, 422)
    assert "instance" not in missing.json() and long_id not in missing.text
    unknown = await gateway.get(f"/api/v1/{long_id}", headers=headers)
    assert unknown.status_code == 404 and long_id not in unknown.text


async def test_a_deep_body_is_a_quick_422_at_the_gateway(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    headers = {
        "Authorization": f"Bearer {tokens('governance')}",
        "Content-Type": "application/json",
    }
    body = '{"title":' + "[" * 100_000 + '"\\u0000"' + "]" * 100_000 + "}"
    started = time.perf_counter()
    response = await gateway.post("/api/v1/projects", content=body, headers=headers)
    assert time.perf_counter() - started < 3.0
    assert response.status_code == 422, response.text
    assert response.json()["instance"] == "/api/v1/projects"
