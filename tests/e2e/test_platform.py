"""End to end: the four processes over TCP, through the gateway, as a client sees them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from scripts.processes import Stack, StackError, free_ports
from scripts.services import SERVICES
from shared.testing import TokenFactory, assert_problem, project_body

pytestmark = pytest.mark.e2e


@pytest.fixture
async def api(stack: Stack, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    """A governance caller of the public API (the gateway's `/api/v1`)."""
    async with httpx.AsyncClient(
        base_url=stack.gateway_url,
        headers=tokens.headers("governance", sub="e2e-governance"),
        timeout=httpx.Timeout(10.0, connect=2.0),
        trust_env=False,
    ) as client:
        yield client


async def create(api: httpx.AsyncClient, collection: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(f"/api/v1/{collection}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    location = response.headers["location"]
    assert location.endswith(f"/api/v1/{collection}/{created['id']}"), location
    read = await api.get(location)
    assert read.status_code == 200, read.text
    assert read.json() == created
    assert read.headers["etag"] == response.headers["etag"]
    return created


async def test_create_and_read_back_a_project_an_organisation_and_a_framework(
    api: httpx.AsyncClient,
) -> None:
    marker = uuid.uuid4().hex[:8]
    project = await create(
        api,
        "projects",
        project_body(title=f"Virtual ward {marker}", is_digital=True),
    )
    assert project["reference"].startswith("CMDI-")
    assert project["stage"] == "idea"
    organisation = await create(
        api,
        "organisations",
        {"name": f"Healthwatch {marker}", "type": "patient_or_community_group"},
    )
    assert organisation["created_by"] == "e2e-governance"
    framework = await create(api, "frameworks", {"name": f"CMDI IIAF {marker}", "semver": "1.0.0"})
    assert framework["status"] == "draft"

    # A conditional GET through the gateway: the service's ETag and 304 pass unchanged.
    etag = (await api.get(f"/api/v1/frameworks/{framework['id']}")).headers["etag"]
    cached = await api.get(f"/api/v1/frameworks/{framework['id']}", headers={"If-None-Match": etag})
    assert cached.status_code == 304

    # Filters reach the service.
    found = await api.get("/api/v1/projects", params={"q": marker})
    assert [item["id"] for item in found.json()["items"]] == [project["id"]]


async def test_an_idempotent_retry_through_the_gateway_creates_once(api: httpx.AsyncClient) -> None:
    body = {"name": f"LCVS {uuid.uuid4().hex[:8]}", "type": "voluntary_community_sector"}
    key = {"Idempotency-Key": f"e2e-{uuid.uuid4()}"}
    first = await api.post("/api/v1/organisations", json=body, headers=key)
    again = await api.post("/api/v1/organisations", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    listed = await api.get("/api/v1/organisations", params={"q": body["name"]})
    assert len(listed.json()["items"]) == 1


async def test_pagination_through_the_gateway(api: httpx.AsyncClient) -> None:
    marker = uuid.uuid4().hex[:8]
    created = {
        (
            await api.post(
                "/api/v1/organisations", json={"name": f"Org {marker} {i}", "type": "other"}
            )
        ).json()["id"]
        for i in range(5)
    }
    seen: list[str] = []
    params: dict[str, str] = {"q": marker, "limit": "2"}
    for _ in range(5):
        page = await api.get("/api/v1/organisations", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            assert "link" not in page.headers
            break
        # The Link header carries the same cursor, on the public path.
        assert page.headers["link"].startswith("</api/v1/organisations?")
        assert 'rel="next"' in page.headers["link"]
        params["cursor"] = body["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == created

    too_many = await api.get("/api/v1/organisations", params={"limit": "201"})
    assert_problem(too_many, 422)


async def test_request_id_propagates_to_the_service(api: httpx.AsyncClient, stack: Stack) -> None:
    request_id = f"e2e-{uuid.uuid4()}"
    response = await api.get("/api/v1/projects", headers={"X-Request-ID": request_id})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id
    # The projects service logged the request under the same id (its access log line).
    deadline = time.monotonic() + 3.0
    while request_id not in stack.output_tail("projects", 200):
        assert time.monotonic() < deadline, "the projects service did not log the request id"
        await asyncio.sleep(0.05)

    generated = await api.get("/api/v1/projects")
    assert generated.headers["x-request-id"]
    problem = await api.get("/api/v1/no-such-collection", headers={"X-Request-ID": request_id})
    assert assert_problem(problem, 404)["request_id"] == request_id


async def test_a_request_without_a_token_is_a_401_problem(stack: Stack) -> None:
    async with httpx.AsyncClient(
        base_url=stack.gateway_url, timeout=5.0, trust_env=False
    ) as client:
        response = await client.get("/api/v1/projects")
        assert_problem(response, 401)
        forged = await client.get("/api/v1/projects", headers={"Authorization": "Bearer not-a-jwt"})
        assert_problem(forged, 401)


async def test_a_stopped_service_is_a_503_problem_with_retry_after(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    await asyncio.to_thread(stack.terminate, "stakeholders")
    try:
        started = time.monotonic()
        response = await api.get("/api/v1/organisations")
        elapsed = time.monotonic() - started
        assert_problem(response, 503)
        assert int(response.headers["retry-after"]) > 0
        assert elapsed < 3.0, f"the 503 took {elapsed:.1f} s"
        # The other services are unaffected.
        assert (await api.get("/api/v1/projects")).status_code == 200
    finally:
        await asyncio.to_thread(stack.restart, "stakeholders")
    assert (await api.get("/api/v1/organisations")).status_code == 200


async def test_a_hung_service_is_a_504_problem_within_the_read_timeout(
    api: httpx.AsyncClient, stack: Stack
) -> None:
    read_timeout = float(stack.extra_env["GATEWAY_PROXY_READ_TIMEOUT"])
    stack.pause("assessment")  # SIGSTOP: the kernel still accepts connections, nothing answers
    try:
        started = time.monotonic()
        response = await api.get("/api/v1/frameworks")
        elapsed = time.monotonic() - started
        assert_problem(response, 504)
        assert read_timeout - 0.5 <= elapsed < read_timeout + 2.0, elapsed
        assert (await api.get("/api/v1/projects")).status_code == 200
    finally:
        stack.resume("assessment")
    # Back to normal once it runs again: the same process, not a restart.
    assert stack.processes["assessment"].running()
    assert stack.exited() == {}
    deadline = time.monotonic() + 5.0
    while (await api.get("/api/v1/frameworks")).status_code != 200:
        assert time.monotonic() < deadline, "assessment did not recover after SIGCONT"
        await asyncio.sleep(0.1)


def test_a_process_that_fails_to_start_is_reported_with_its_output() -> None:
    projects = next(s for s in SERVICES if s.name == "projects")
    broken = Stack(
        ports={"projects": free_ports(1)[0]},
        database_urls={"projects": "nosuchdialect://nowhere/db"},
        services=[projects],
    )
    with broken:
        broken.start()
        with pytest.raises(StackError) as failure:
            broken.wait_ready(timeout=20.0)
    message = str(failure.value)
    assert "projects exited with code" in message
    assert "nosuchdialect" in message  # the traceback's last lines
    assert not broken.processes["projects"].running()
