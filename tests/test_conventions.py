"""docs/conventions.md checked against every service, in-process: the same errors, headers,
operational routes and OpenAPI discipline everywhere."""

from __future__ import annotations

import ast
import uuid
from pathlib import Path

import pytest
from fastapi import FastAPI

from shared.testing import TokenFactory, api_client

PROBLEM = "application/problem+json"
SERVICES = ["projects", "assessment", "stakeholders"]
COLLECTION = {
    "projects": "/v1/projects",
    "assessment": "/v1/frameworks",
    "stakeholders": "/v1/organisations",
}


@pytest.fixture(params=SERVICES)
def service_app(
    request: pytest.FixtureRequest, all_apps: dict[str, FastAPI]
) -> tuple[str, FastAPI]:
    return request.param, all_apps[request.param]


async def test_errors_are_problems(service_app: tuple[str, FastAPI], tokens: TokenFactory) -> None:
    name, app = service_app
    collection = COLLECTION[name]
    async with api_client(app, token=tokens("admin")) as client:
        checks = {
            404: await client.get(f"{collection}/{uuid.uuid4()}"),
            405: await client.put(collection, json={}),
            415: await client.post(
                collection, content=b"<x/>", headers={"content-type": "application/xml"}
            ),
            422: await client.post(collection, json={"unexpected": True}),
        }
        checks[401] = await client.get(collection, headers={"Authorization": ""})
    for status, response in checks.items():
        assert response.status_code == status, (name, status, response.text)
        assert response.headers["content-type"] == PROBLEM
        body = response.json()
        assert body["status"] == status
        assert body["type"].startswith("https://")
        assert body["title"]
        assert body["request_id"] == response.headers["x-request-id"]
        assert body["instance"].startswith("/v1/")


async def test_request_id_is_accepted_or_generated(
    service_app: tuple[str, FastAPI], tokens: TokenFactory
) -> None:
    _, app = service_app
    async with api_client(app, token=tokens("viewer")) as client:
        given = await client.get("/healthz", headers={"X-Request-ID": "trace-me-123"})
        assert given.headers["x-request-id"] == "trace-me-123"
        generated = await client.get("/healthz")
        assert uuid.UUID(generated.headers["x-request-id"])
        hostile = await client.get(
            "/healthz", headers={"X-Request-ID": "bad id\twith spaces" + "x" * 200}
        )
        assert hostile.headers["x-request-id"] != "bad id\twith spaces"


async def test_security_headers(service_app: tuple[str, FastAPI], tokens: TokenFactory) -> None:
    name, app = service_app
    async with api_client(app, token=tokens("viewer")) as client:
        response = await client.get(COLLECTION[name])
        assert response.status_code == 200
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"
        assert response.json() == {"items": [], "next_cursor": None}


async def test_operational_routes(service_app: tuple[str, FastAPI]) -> None:
    _, app = service_app
    async with api_client(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        assert "http_requests_total" in metrics.text


def test_openapi_documents_problems_and_stable_ids(service_app: tuple[str, FastAPI]) -> None:
    _, app = service_app
    document = app.openapi()
    assert "Problem" in document["components"]["schemas"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    operation_ids = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            operation_ids.append(operation["operationId"])
            responses = operation["responses"]
            success = [code for code in responses if code.startswith("2")]
            assert success, (path, method)
            if path.startswith("/v1/"):
                assert operation["security"] == [{"bearerAuth": []}]
                for status in ("401", "403", "500"):
                    assert status in responses, (path, method, status)
                # Every JSON route declares its return type: the success response has a schema.
                for code in success:
                    content = responses[code].get("content", {})
                    if "application/json" in content:
                        assert content["application/json"]["schema"] != {}, (path, method)
            for code, response in responses.items():
                if int(code) >= 400:
                    assert list(response["content"]) == [PROBLEM], (path, method, code)
    assert len(operation_ids) == len(set(operation_ids))
    assert all(op.replace("_", "").isalnum() for op in operation_ids)


def test_every_module_says_what_it_is_for() -> None:
    """Every module under services/*/src and shared/src opens with a docstring (its purpose)."""
    root = Path(__file__).resolve().parents[1]
    modules = [*root.glob("services/*/src/**/*.py"), *root.glob("shared/src/**/*.py")]
    assert modules
    missing = [
        str(path.relative_to(root))
        for path in sorted(modules)
        if ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) is None
    ]
    assert missing == [], f"modules without a docstring: {missing}"
