"""nginx keeps the platform's conventions in front of two gateway replicas: a body above the
limit is a 413 problem before any process sees it, no gateway left is a 503 problem with
Retry-After, a hung one a 504 problem, and `X-Request-ID` is the client's or nginx's own,
the same in the gateway's answer and in nginx's log."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from scripts.replicas import ReplicaStack
from shared.testing import TokenFactory, assert_problem, project_body

pytestmark = pytest.mark.replicas


@pytest.fixture
async def api(
    replica_stack: ReplicaStack, tokens: TokenFactory
) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=replica_stack.gateway_url,
        headers=tokens.headers("governance", sub="replica-conventions"),
        timeout=httpx.Timeout(30.0, connect=2.0),
        trust_env=False,
    ) as client:
        yield client


async def log_entry(stack: ReplicaStack, request_id: str) -> dict[str, str]:
    """nginx's log line for `request_id` (written when nginx finalises the request, which may
    be just after the client has its answer)."""
    deadline = time.monotonic() + 5.0
    while True:
        found = [e for e in stack.listener_entries("gateway") if e["request_id"] == request_id]
        if found or time.monotonic() > deadline:
            [entry] = found
            return entry
        await asyncio.sleep(0.1)


async def test_an_oversized_body_is_a_413_problem_that_no_gateway_sees(
    api: httpx.AsyncClient, replica_stack: ReplicaStack
) -> None:
    body = project_body(summary="x" * 1_100_000)
    response = await api.post("/api/v1/projects", json=body)
    problem = assert_problem(response, 413, "payload-too-large")
    assert problem["detail"] == "The body exceeds 1048576 bytes."
    entry = await log_entry(replica_stack, response.headers["x-request-id"])
    assert entry["upstream"] == "", entry


async def test_the_clients_request_id_passes_through_and_a_missing_one_is_generated(
    api: httpx.AsyncClient, replica_stack: ReplicaStack
) -> None:
    mine = f"replica-{uuid.uuid4().hex}"
    response = await api.get("/api/v1/projects", headers={"X-Request-ID": mine})
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == mine
    # nginx passed it to the gateway replica that answered, which logged it.
    entry = await log_entry(replica_stack, mine)
    assert entry["upstream"].startswith("127.0.0.1:")
    assert entry["upstream_status"] == "200"

    for header in ({}, {"X-Request-ID": "not a valid id!"}):
        generated = await api.get("/api/v1/projects", headers=header)
        assert generated.status_code == 200
        request_id = generated.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id
        assert (await log_entry(replica_stack, request_id))["upstream_status"] == "200"


async def test_paths_the_gateway_does_not_publish_are_404_problems(
    api: httpx.AsyncClient,
) -> None:
    assert_problem(await api.get("/api/v1/no-such-collection"), 404, "unknown-collection")
    assert_problem(await api.get("/api/v1"), 404, "unknown-collection")
    # The gateway's metrics are for the scraper on its own port, not for the internet.
    assert_problem(await api.get("/metrics"), 404, "not-found")
    assert (await api.get("/readyz")).status_code == 200
    assert (await api.get("/api/docs")).status_code == 200


async def test_no_gateway_left_is_a_503_problem_with_retry_after(
    api: httpx.AsyncClient, replica_stack: ReplicaStack
) -> None:
    await asyncio.to_thread(replica_stack.terminate, "gateway")
    try:
        started = time.monotonic()
        response = await api.get("/api/v1/projects")
        assert time.monotonic() - started < 2.0
        problem = assert_problem(response, 503, "upstream-unavailable")
        assert int(response.headers["retry-after"]) > 0
        assert problem["request_id"] == response.headers["x-request-id"]
        # A write too: nothing reached a gateway, so it is as safe to retry as a read.
        write = await api.post("/api/v1/projects", json=project_body())
        assert_problem(write, 503, "upstream-unavailable")
    finally:
        await asyncio.to_thread(replica_stack.restart, "gateway", 60.0)
    assert (await api.get("/api/v1/projects")).status_code == 200


async def test_hung_gateways_are_a_504_problem_and_a_post_is_not_resent(
    api: httpx.AsyncClient, replica_stack: ReplicaStack
) -> None:
    replica_stack.pause("gateway")  # SIGSTOP: connections are accepted, nothing answers
    try:
        started = time.monotonic()
        read = await api.get("/api/v1/projects")
        read_took = time.monotonic() - started
        assert_problem(read, 504, "upstream-timeout")
        # A GET is tried on the second replica after the first times out.
        entry = await log_entry(replica_stack, read.headers["x-request-id"])
        assert entry["upstream_status"] == "504, 504", entry
        timeout = replica_stack.nginx_read_timeout
        assert 2 * timeout - 0.5 <= read_took < 2 * timeout + 3, read_took

        # A POST goes to one replica only: once sent, nginx never sends it again. (Invalid, so
        # the paused replica that finally reads it creates nothing.)
        write = await api.post("/api/v1/projects", json={"title": ""})
        assert_problem(write, 504, "upstream-timeout")
        entry = await log_entry(replica_stack, write.headers["x-request-id"])
        assert entry["upstream_status"] == "504", entry
    finally:
        replica_stack.resume("gateway")
    assert replica_stack.exited() == {}
    deadline = time.monotonic() + 10.0
    while (await api.get("/api/v1/projects")).status_code != 200:
        assert time.monotonic() < deadline, "the gateways did not recover after SIGCONT"
        await asyncio.sleep(0.2)
