"""What the gateway serves itself: /readyz over the services, the merged OpenAPI, CORS and the
shared security headers."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from gateway.main import create_app as gateway_app
from gateway.routes_table import ROUTES
from shared.problems import PROBLEM_CONTENT_TYPE
from shared.testing import TokenFactory, bound_socket, dead_url, serving

from .conftest import gateway_settings

_METHODS = {"get", "post", "put", "patch", "delete"}
ALLOWED_ORIGIN = "https://app.example.org"  # configured on the `gateway` fixture

# --- readiness -----------------------------------------------------------------------------


async def test_readyz_when_every_service_is_ready(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "ready",
        "checks": {"projects": "ok", "assessment": "ok", "stakeholders": "ok"},
    }


async def test_readyz_with_a_service_down(partial_gateway: httpx.AsyncClient) -> None:
    started = time.monotonic()
    response = await partial_gateway.get("/readyz")
    assert time.monotonic() - started < 3.0
    assert response.status_code == 503
    assert response.headers["retry-after"]
    body = response.json()
    assert body["status"] == "not_ready"
    assert body["checks"]["projects"] == body["checks"]["assessment"] == "ok"
    assert body["checks"]["stakeholders"] == "unreachable"


async def test_readyz_without_waiting_for_services(services: dict[str, str]) -> None:
    """Behind a load balancer (Kubernetes): a service being down answers 503 on its routes, and
    the gateway replicas stay in the ingress for every other route."""
    urls = {**services, "stakeholders": dead_url()}
    settings = gateway_settings(urls, readiness_requires_services=False)
    async with (
        serving(gateway_app(settings), bound_socket()) as url,
        httpx.AsyncClient(base_url=url, timeout=5.0) as client,
    ):
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ready", "checks": {"gateway": "ok"}}
        down = await client.get("/api/v1/stakeholders")
        assert down.status_code == 503
        assert down.headers["content-type"] == PROBLEM_CONTENT_TYPE


async def test_readyz_with_a_hung_service(echo_gateway: httpx.AsyncClient) -> None:
    started = time.monotonic()
    response = await echo_gateway.get("/readyz")
    assert time.monotonic() - started < 2.0  # aggregate_timeout is 0.5 s here
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "projects": "ok",
        "assessment": "timeout",
        "stakeholders": "ok",
    }


async def test_healthz_and_metrics(gateway: httpx.AsyncClient, tokens: TokenFactory) -> None:
    assert (await gateway.get("/healthz")).json() == {"status": "ok"}
    await gateway.get("/api/v1/projects", headers={"Authorization": f"Bearer {tokens('viewer')}"})
    metrics = await gateway.get("/metrics")
    assert metrics.status_code == 200
    # Proxied requests are labelled per collection, not per URL (bounded cardinality).
    assert 'route="/api/v1/projects/{path}"' in metrics.text


# --- OpenAPI -------------------------------------------------------------------------------


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in _METHODS
    ]


async def test_merged_openapi(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/openapi.json", timeout=35.0)  # first build is slow
    assert response.status_code == 200
    document = response.json()
    paths = document["paths"]

    assert {"/api/v1/projects", "/api/v1/frameworks", "/api/v1/organisations"} <= set(paths)
    assert all(path.startswith("/api/v1/") for path in paths)
    # Every path belongs to the service that owns its collection; the services' own platform
    # routes are not there, and `events` and `audit` are the gateway's composites, documented
    # once (the services' `/v1/audit/trail` does not leak).
    assert {path.split("/")[3] for path in paths} <= set(ROUTES) | {"events", "audit"}
    assert sorted(path for path in paths if path.startswith("/api/v1/audit")) == [
        "/api/v1/audit",
        "/api/v1/audit/export",
    ]
    assert [path for path in paths if path.startswith("/api/v1/events")] == ["/api/v1/events"]
    assert paths["/api/v1/events"]["get"]["operationId"] == "list_platform_events"
    assert paths["/api/v1/audit"]["get"]["operationId"] == "list_platform_audit_entries"

    operations = _operations(document)
    operation_ids = [operation["operationId"] for _, _, operation in operations]
    assert len(operation_ids) == len(set(operation_ids))
    assert {"list_projects", "list_frameworks", "get_organisation"} <= set(operation_ids)

    schemas = document["components"]["schemas"]
    assert {"Problem", "FieldError", "ProjectRead", "OrganisationRead"} <= set(schemas)
    assert "EventFeed" not in schemas  # only reachable from the excluded platform routes
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for path, method, operation in operations:
        problems = {
            status: response["content"][PROBLEM_CONTENT_TYPE]["schema"]
            for status, response in operation["responses"].items()
            if int(status) >= 400
        }
        assert {"401", "500", "502", "503", "504"} <= set(problems), (method, path)
        assert all(schema == problem_ref for schema in problems.values()), (method, path)
    # Every reference resolves.
    text = response.text
    for name in schemas:
        text = text.replace(f'"#/components/schemas/{name}"', "")
    assert "#/components/schemas/" not in text
    assert document["info"]["x-services"] == {
        "projects": "ok",
        "assessment": "ok",
        "stakeholders": "ok",
    }
    assert "x-unavailable-services" not in document["info"]


async def test_openapi_with_a_service_down(partial_gateway: httpx.AsyncClient) -> None:
    document = (await partial_gateway.get("/api/openapi.json", timeout=35.0)).json()
    assert document["info"]["x-unavailable-services"] == ["stakeholders"]
    assert "stakeholders" in document["info"]["description"]
    assert "/api/v1/projects" in document["paths"]
    assert not any(path.startswith("/api/v1/organisations") for path in document["paths"])
    assert "Problem" in document["components"]["schemas"]


async def test_swagger_ui(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/api/openapi.json" in response.text


# --- CORS ----------------------------------------------------------------------------------


async def test_cors_preflight_from_an_allowed_origin(gateway: httpx.AsyncClient) -> None:
    response = await gateway.options(
        "/api/v1/organisations",
        headers={
            "Origin": ALLOWED_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": (
                "authorization, content-type, idempotency-key, x-request-id"
            ),
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    allowed = {
        value.strip().lower()
        for value in response.headers["access-control-allow-headers"].split(",")
    }
    assert {
        "authorization",
        "content-type",
        "idempotency-key",
        "x-request-id",
        "if-match",
    } <= allowed
    assert "access-control-allow-credentials" not in response.headers


async def test_cors_refuses_other_origins(gateway: httpx.AsyncClient, tokens: TokenFactory) -> None:
    preflight = await gateway.options(
        "/api/v1/organisations",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    simple = await gateway.get(
        "/api/v1/projects",
        headers={"Origin": "https://evil.example", "Authorization": f"Bearer {tokens('viewer')}"},
    )
    assert simple.status_code == 200
    assert "access-control-allow-origin" not in simple.headers


async def test_cors_exposes_the_api_headers(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await gateway.get(
        "/api/v1/projects",
        headers={"Origin": ALLOWED_ORIGIN, "Authorization": f"Bearer {tokens('viewer')}"},
    )
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = {
        value.strip().lower()
        for value in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"etag", "location", "link", "x-request-id", "retry-after"} <= exposed
    # Errors carry CORS headers too, so the frontend can read the problem.
    missing = await gateway.get("/api/v1/nothing-here", headers={"Origin": ALLOWED_ORIGIN})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


async def test_no_cors_headers_without_configured_origins(echo_gateway: httpx.AsyncClient) -> None:
    response = await echo_gateway.get("/api/v1/projects/echo", headers={"Origin": ALLOWED_ORIGIN})
    assert not any(name.startswith("access-control-") for name in response.headers)


# --- security headers ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/projects", "/api/v1/unknown", "/healthz"])
async def test_nosniff_everywhere(gateway: httpx.AsyncClient, path: str) -> None:
    response = await gateway.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert len(response.headers.get_list("x-content-type-options")) == 1


async def test_authenticated_responses_are_not_cached(
    gateway: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    response = await gateway.get(
        "/api/v1/projects", headers={"Authorization": f"Bearer {tokens('viewer')}"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "no-store" not in (await gateway.get("/healthz")).headers.get("cache-control", "")
