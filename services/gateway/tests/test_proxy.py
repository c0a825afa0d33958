"""The proxy through real sockets: routing, problems, headers, streaming and failing upstreams."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from typing import Any

import httpx
import pytest

from shared.problems import problem_type
from shared.testing import TokenFactory, assert_problem

FOREIGN_TOKENS = TokenFactory("a-signing-key-this-platform-never-issued-with")


def auth(tokens: TokenFactory, *roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens(*roles or ('governance',))}"}


async def create_organisation(
    gateway: httpx.AsyncClient, tokens: TokenFactory, name: str
) -> httpx.Response:
    response = await gateway.post(
        "/api/v1/organisations", json={"name": name, "type": "university"}, headers=auth(tokens)
    )
    assert response.status_code == 201, response.text
    return response


# --- routing -------------------------------------------------------------------------------


@pytest.mark.parametrize("collection", ["projects", "frameworks", "organisations"])
async def test_each_service_is_reached_through_its_collection(
    gateway: httpx.AsyncClient, tokens: TokenFactory, collection: str
) -> None:
    response = await gateway.get(f"/api/v1/{collection}", headers=auth(tokens))
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"items", "next_cursor"}


async def test_write_and_read_back_with_location_rewritten(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    created = await create_organisation(gateway, tokens, "University of Routing")
    location = created.headers["location"]
    assert location == f"/api/v1/organisations/{created.json()['id']}"

    fetched = await gateway.get(location, headers=auth(tokens))
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "University of Routing"
    etag = fetched.headers["etag"]
    # A body-less answer (304) passes through too.
    not_modified = await gateway.get(location, headers={**auth(tokens), "If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""


async def test_link_next_is_rewritten(gateway: httpx.AsyncClient, tokens: TokenFactory) -> None:
    for index in range(2):
        await create_organisation(gateway, tokens, f"Paged {index} {uuid.uuid4()}")
    page = await gateway.get("/api/v1/organisations", params={"limit": 1}, headers=auth(tokens))
    assert page.status_code == 200
    link = page.headers["link"]
    assert link.startswith("</api/v1/organisations?")
    assert link.endswith('>; rel="next"')
    following = await gateway.get(link[1 : link.index(">")], headers=auth(tokens))
    assert following.status_code == 200
    assert following.json()["items"][0]["id"] != page.json()["items"][0]["id"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/widgets",
        "/api/v1/audit/trail",  # a service's platform route, not public
        "/api/v1/exports/monthly",
        "/api/v1/",
        "/api/v1",
        "/api/v1/projects/%2e%2e/audit",
    ],
)
async def test_unrouted_paths_are_404_problems(
    gateway: httpx.AsyncClient, tokens: TokenFactory, path: str
) -> None:
    response = await gateway.get(path, headers=auth(tokens))
    body = assert_problem(response, 404)
    assert body["type"] in (problem_type("unknown-collection"), problem_type("not-found"))


# --- problems from the services pass through unchanged --------------------------------------


async def test_405_is_a_problem(gateway: httpx.AsyncClient, tokens: TokenFactory) -> None:
    response = await gateway.delete("/api/v1/organisations", headers=auth(tokens))
    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"]


async def test_422_is_a_problem_with_pointers(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await gateway.get(
        "/api/v1/organisations", params={"limit": 1000}, headers=auth(tokens)
    )
    body = assert_problem(response, 422, "validation-error")
    assert [error["pointer"] for error in body["errors"]] == ["/limit"]


def _alg_none_token() -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "sub": "mallory",
        "roles": ["admin"],
        "iss": "cmdi-dev",
        "aud": "cmdi-api",
        "exp": now + 600,
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@pytest.mark.parametrize("kind", ["missing", "forged", "expired", "alg-none", "not-bearer"])
async def test_401_is_a_problem(
    gateway: httpx.AsyncClient, tokens: TokenFactory, kind: str
) -> None:
    headers = {
        "missing": {},
        "forged": {"Authorization": f"Bearer {FOREIGN_TOKENS('admin')}"},
        "expired": {"Authorization": f"Bearer {tokens('admin', ttl=-3600)}"},
        "alg-none": {"Authorization": f"Bearer {_alg_none_token()}"},
        "not-bearer": {"Authorization": "Basic YWRtaW46YWRtaW4="},
    }[kind]
    response = await gateway.get("/api/v1/projects", headers=headers)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_body_limits_are_checked_at_the_gateway(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    too_big = b'{"name": "' + b"x" * 1_100_000 + b'"}'
    response = await gateway.post(
        "/api/v1/organisations",
        content=too_big,
        headers={**auth(tokens), "Content-Type": "application/json"},
    )
    assert_problem(response, 413, "payload-too-large")
    response = await gateway.post(
        "/api/v1/organisations",
        content=b"name=x",
        headers={**auth(tokens), "Content-Type": "text/plain"},
    )
    assert_problem(response, 415, "unsupported-media-type")


# --- request ids ---------------------------------------------------------------------------


async def test_request_id_is_forwarded_and_echoed(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await gateway.get(
        f"/api/v1/organisations/{uuid.uuid4()}",
        headers={**auth(tokens), "X-Request-ID": "gw-test-0001"},
    )
    body = assert_problem(response, 404, "organisation-not-found")
    # The service's own problem carries the id: it was forwarded, not just echoed by the gateway.
    assert body["request_id"] == response.headers["x-request-id"] == "gw-test-0001"
    # It names the caller's path, not the service's `/v1/...` (the gateway forwards its prefix).
    assert body["instance"].startswith("/api/v1/organisations/")


@pytest.mark.parametrize("sent", [None, "not a valid id!"])
async def test_request_id_is_generated_when_absent_or_invalid(
    gateway: httpx.AsyncClient, tokens: TokenFactory, sent: str | None
) -> None:
    headers = auth(tokens) | ({"X-Request-ID": sent} if sent else {})
    response = await gateway.get(f"/api/v1/projects/{uuid.uuid4()}", headers=headers)
    body = assert_problem(response, 404)
    generated = response.headers["x-request-id"]
    assert uuid.UUID(generated)
    assert body["request_id"] == generated


# --- headers (echo upstream) ---------------------------------------------------------------


async def test_request_headers_forwarded_as_a_proxy_should(echo_gateway: httpx.AsyncClient) -> None:
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    response = await echo_gateway.get(
        "/api/v1/projects/x/echo?b=2&a=1&a=%20",
        headers={
            "Authorization": "Bearer abc.def.ghi",
            "traceparent": traceparent,
            "X-Request-ID": "echo-req-1",
            "Connection": "keep-alive, X-Client-Hop",
            "X-Client-Hop": "secret-for-the-next-hop-only",
            "Keep-Alive": "timeout=30",
            "TE": "trailers",
            "Proxy-Authorization": "Basic cHJveHk6cHJveHk=",
            "Cookie": "session=caller-secret",
            "Forwarded": "for=6.6.6.6;proto=https",
            "X-Forwarded-For": "6.6.6.6",
            "Via": "1.0 corporate-proxy",
            "X-Custom": "kept",
        },
    )
    assert response.status_code == 200, response.text
    seen = response.json()
    headers: dict[str, list[str]] = {}
    for name, value in seen["headers"]:
        headers.setdefault(name, []).append(value)

    assert seen["path"] == "/v1/projects/x/echo"
    assert seen["query"] == "b=2&a=1&a=%20"
    for dropped in (
        "connection",
        "x-client-hop",
        "keep-alive",
        "te",
        "proxy-authorization",
        "cookie",
        "x-forwarded-for",
    ):
        assert dropped not in headers, dropped
    assert headers["authorization"] == ["Bearer abc.def.ghi"]
    assert headers["traceparent"] == [traceparent]
    assert headers["x-request-id"] == ["echo-req-1"]
    assert headers["x-custom"] == ["kept"]
    gateway_host = echo_gateway.base_url.netloc.decode()
    assert headers["forwarded"] == [f'for=127.0.0.1;proto=http;host="{gateway_host}"']
    assert headers["via"] == ["1.0 corporate-proxy, 1.1 cmdi-gateway"]
    upstream_host = headers["host"][0]
    assert upstream_host != gateway_host and upstream_host.startswith("127.0.0.1:")


async def test_response_headers_cleaned_and_rewritten(echo_gateway: httpx.AsyncClient) -> None:
    response = await echo_gateway.get("/api/v1/projects/x/echo")
    assert response.status_code == 200
    for dropped in ("set-cookie", "x-upstream-hop", "keep-alive", "proxy-authenticate"):
        assert dropped not in response.headers, dropped
    assert response.headers.get("connection", "keep-alive") == "keep-alive"
    assert response.headers["location"] == "/api/v1/projects/123"
    assert response.headers["content-location"] == "/api/v1/projects/123?view=full"
    assert response.headers["link"] == (
        '</api/v1/projects?cursor=abc>; rel="next", <https://elsewhere.example/v1/x>; rel="other"'
    )
    assert response.headers["etag"] == '"v1"'
    assert response.headers.get_list("server") == ["uvicorn"]
    assert len(response.headers.get_list("date")) == 1
    assert len(response.headers.get_list("x-request-id")) == 1


async def test_invalid_traceparent_is_not_forwarded(echo_gateway: httpx.AsyncClient) -> None:
    response = await echo_gateway.get("/api/v1/projects/echo", headers={"traceparent": "garbage"})
    assert "traceparent" not in {name for name, _ in response.json()["headers"]}


async def test_no_cookie_carry_over_between_callers(echo_gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=echo_gateway_url, timeout=5.0) as first:
        response = await first.get("/api/v1/projects/echo")  # the upstream sets a cookie
        assert "set-cookie" not in response.headers
        assert not first.cookies
    async with httpx.AsyncClient(base_url=echo_gateway_url, timeout=5.0) as second:
        response = await second.get("/api/v1/stakeholders/echo")
        assert "cookie" not in {name for name, _ in response.json()["headers"]}


async def test_request_body_streams_through_intact(echo_gateway: httpx.AsyncClient) -> None:
    body = json.dumps({"blob": "é" * 300_000}, ensure_ascii=False).encode()
    response = await echo_gateway.post(
        "/api/v1/projects/echo", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text
    seen = response.json()
    assert seen["method"] == "POST"
    assert seen["body_length"] == len(body)
    assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert ["content-length", str(len(body))] in seen["headers"]


# --- streaming -----------------------------------------------------------------------------


async def test_large_response_streams(echo_gateway: httpx.AsyncClient, echo: Any) -> None:
    """The upstream holds back the second half until the caller has bytes: a buffering proxy
    would deadlock here (and fail on the test's time bound)."""
    upstream = echo[0]
    upstream.release_stream.clear()
    digest = hashlib.sha256()
    received = 0
    async with echo_gateway.stream("GET", "/api/v1/projects/big/stream") as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        async for chunk in response.aiter_raw():
            digest.update(chunk)
            received += len(chunk)
            if not upstream.release_stream.is_set():
                upstream.release_stream.set()
    expected = b"".join(
        hashlib.sha256(str(i).encode()).digest() * (upstream.STREAM_CHUNK // 32)
        for i in range(upstream.STREAM_CHUNKS)
    )
    assert received == len(expected) == upstream.STREAM_CHUNK * upstream.STREAM_CHUNKS
    assert digest.hexdigest() == hashlib.sha256(expected).hexdigest()


async def test_sized_large_response_keeps_its_length(echo_gateway: httpx.AsyncClient) -> None:
    response = await echo_gateway.get("/api/v1/projects/big/sized")
    assert response.status_code == 200
    assert int(response.headers["content-length"]) == len(response.content) == 16 * 65_536


async def test_caller_hanging_up_stops_the_upstream_stream(
    echo_gateway: httpx.AsyncClient, echo: Any
) -> None:
    upstream = echo[0]
    upstream.stream_abandoned.clear()
    async with echo_gateway.stream("GET", "/api/v1/projects/slow/endless") as response:
        async for _ in response.aiter_raw():
            break  # hang up after the first chunk
    await upstream.stream_abandoned.wait()  # bounded by the test timeout


# --- failing upstreams ---------------------------------------------------------------------


async def test_service_down_is_a_quick_503(
    partial_gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    started = time.monotonic()
    response = await partial_gateway.get("/api/v1/organisations", headers=auth(tokens))
    elapsed = time.monotonic() - started
    body = assert_problem(response, 503, "upstream-unavailable")
    assert elapsed < 3.0
    assert int(response.headers["retry-after"]) > 0
    assert "stakeholders" in body["detail"]
    assert body["instance"] == "/api/v1/organisations"
    # The other services are unaffected.
    assert (await partial_gateway.get("/api/v1/projects", headers=auth(tokens))).status_code == 200


async def test_hung_service_is_a_504_after_the_read_timeout(
    echo_gateway: httpx.AsyncClient,
) -> None:
    started = time.monotonic()
    response = await echo_gateway.get("/api/v1/frameworks")
    elapsed = time.monotonic() - started
    assert_problem(response, 504, "upstream-timeout")
    assert 0.9 <= elapsed < 3.0  # proxy_read_timeout is 1 s here


async def test_service_redirects_point_back_at_the_gateway(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    # Starlette redirects `/v1/projects/` with an absolute URL on the service's own origin.
    response = await gateway.get("/api/v1/projects/", headers=auth(tokens))
    assert response.status_code == 307
    assert response.headers["location"] == "/api/v1/projects"


@pytest.mark.parametrize("answer", ["garbage", "short", "hangup"])
async def test_broken_answer_is_a_502(broken_gateway_url: str, answer: str) -> None:
    async with httpx.AsyncClient(base_url=broken_gateway_url, timeout=5.0) as client:
        response = await client.get(f"/api/v1/projects/{answer}")
    body = assert_problem(response, 502, "bad-gateway")
    assert "projects" in body["detail"]


async def test_stream_cut_off_upstream_is_cut_off_downstream(broken_gateway_url: str) -> None:
    """Once the headers are out no problem can follow: the caller must see a broken body, never
    a complete-looking short one."""
    async with httpx.AsyncClient(base_url=broken_gateway_url, timeout=5.0) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/api/v1/projects/cut")
