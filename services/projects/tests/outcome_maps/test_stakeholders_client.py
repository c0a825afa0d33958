"""`clients.stakeholders`: the typed answer, the error mapping and the token rule."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from projects_service.clients.stakeholders import StakeholdersClient
from shared.context import authorization_var
from shared.http import BadGateway, ServiceClient, UpstreamUnavailable

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler, *, as_service: bool = False) -> StakeholdersClient:
    transport = httpx.MockTransport(handler)
    upstream = ServiceClient(
        "stakeholders",
        "http://stakeholders",
        transport=transport,
        token_provider=lambda: "service-token",
        attempts=1,
    )
    return StakeholdersClient(upstream, as_service=as_service)


async def test_answers_a_typed_reference_or_none() -> None:
    known = uuid.uuid4()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == f"/v1/stakeholders/{known}":
            return httpx.Response(
                200, json={"id": str(known), "status": "erased", "view": "restricted"}
            )
        return httpx.Response(404, json={"status": 404})

    stakeholders = client(handler)
    found = await stakeholders.get_stakeholder(known)
    assert found is not None and found.id == known and found.erased
    assert await stakeholders.get_stakeholder(uuid.uuid4()) is None


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        (httpx.Response(500), UpstreamUnavailable),
        (httpx.Response(403, json={"status": 403}), BadGateway),
        (httpx.Response(200, json={"kind": "group"}), BadGateway),
        (httpx.Response(200, content=b"not json"), BadGateway),
    ],
)
async def test_upstream_failures_are_the_shared_problems(
    response: httpx.Response, problem: type[Exception]
) -> None:
    with pytest.raises(problem):
        await client(lambda _: response).get_stakeholder(uuid.uuid4())


async def test_a_request_forwards_the_callers_token_background_work_its_own() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(404)

    token = authorization_var.set("Bearer caller-token")
    try:
        await client(handler).get_stakeholder(uuid.uuid4())
        await client(handler, as_service=True).get_stakeholder(uuid.uuid4())
    finally:
        authorization_var.reset(token)
    assert seen == ["Bearer caller-token", "Bearer service-token"]
