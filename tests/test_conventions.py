"""docs/conventions.md checked against every service, in-process: the same errors, headers,
operational routes and OpenAPI discipline everywhere."""

from __future__ import annotations

import ast
import importlib
import inspect
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant

from shared.routing import api_routes
from shared.testing import PROBLEM_CONTENT_TYPE, TokenFactory, api_client

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
        assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
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
                    assert list(response["content"]) == [PROBLEM_CONTENT_TYPE], (path, method, code)
    assert len(operation_ids) == len(set(operation_ids))
    assert all(op.replace("_", "").isalnum() for op in operation_ids)


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


@pytest.mark.parametrize(
    "main",
    [
        "projects_service.main",
        "assessment_service.main",
        "stakeholders_service.main",
        "integrations_service.main",
        "reporting_service.main",
        "gateway.main",
    ],
)
def test_no_dependency_runs_on_the_thread_pool(main: str) -> None:
    """FastAPI runs a plain `def` dependency on its thread pool: a thread hop on every request
    (the list pages' `def` pagination dependency was a fifth of their CPU). Every dependency of
    every route is `async def`."""
    app = importlib.import_module(main).create_app()
    routes = api_routes(app.routes)  # included routers' routes too, with their dependencies
    assert len(routes) > 3  # more than the probes: the included routers were walked
    sync = {
        f"{route.path}: {getattr(sub.call, '__qualname__', sub.call)}"
        for route in routes
        for sub in _dependencies(route.dependant)
        if sub.call is not None
        and not inspect.iscoroutinefunction(sub.call)
        and not inspect.isasyncgenfunction(sub.call)
    }
    assert not sync, sorted(sync)


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


SERVICE_PACKAGES = {
    "projects": "projects_service",
    "assessment": "assessment_service",
    "stakeholders": "stakeholders_service",
    "gateway": "gateway",
}
# Suites that run another service's real app beside their own, each with why. These belong in
# tests/cross_service (the services wired to the root conftest's `projects_app`) or on a fake;
# the list may only shrink.
CROSS_SERVICE_TESTS = {
    # The gateway has no domain of its own: its suite routes to the three real services.
    "services/gateway/tests/conftest.py": "the gateway in front of the real services",
}


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def _other_services(service: str, modules: set[str]) -> set[str]:
    """What of `modules` belongs to another service: its package or its test suite."""
    foreign = {pkg for name, pkg in SERVICE_PACKAGES.items() if name != service}
    suites = {f"services.{name}" for name in SERVICE_PACKAGES if name != service}
    return {
        module
        for module in modules
        if module.split(".")[0] in foreign
        or ".".join(module.split(".")[:2]) in suites
        or module.split(".")[0] == "tests"
    }


def test_service_suites_import_no_other_service() -> None:
    """A service's tests exercise that service alone (issue #10 item 6): other services are
    played by the fakes in `shared.testing`, never imported; tests/ is where services meet."""
    root = Path(__file__).resolve().parents[1]
    found: dict[str, set[str]] = {}
    for service in SERVICE_PACKAGES:
        for path in sorted((root / "services" / service / "tests").rglob("*.py")):
            foreign = _other_services(service, _imported_modules(path))
            if foreign:
                found[str(path.relative_to(root))] = foreign
    unexpected = {path: sorted(m) for path, m in found.items() if path not in CROSS_SERVICE_TESTS}
    assert unexpected == {}, f"service tests importing another service: {unexpected}"
    stale = sorted(set(CROSS_SERVICE_TESTS) - set(found))
    assert stale == [], f"no longer cross-service, drop from CROSS_SERVICE_TESTS: {stale}"
