"""Exports through the gateway: each dataset to the service that owns it, the dictionary, the
bundle and any other `/api/v1/exports/...` path to reporting (real sockets, one recording
upstream per process), and the merged OpenAPI document's export paths. The table against the
datasets the services publish: tests/cross_service/test_exports_routing.py."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from gateway.main import create_app as gateway_app
from gateway.openapi import merge_documents
from gateway.routes_table import EXPORT_DATASETS, UPSTREAMS
from gateway.settings import Settings as GatewaySettings
from shared.testing import bound_socket, serving


class Recorder:
    """An upstream that answers every request with who it is and what it was asked, the body
    in small chunks without a length (as an export streams)."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["path"] == "/readyz":
            body = b'{"status": "ready", "checks": {}}'
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        payload = json.dumps(
            {
                "service": self.name,
                "path": scope["path"],
                "query": scope["query_string"].decode(),
                "authorization": dict(scope["headers"]).get(b"authorization", b"").decode(),
            }
        ).encode()
        headers = [(b"content-type", b"text/csv; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for start in range(0, len(payload), 8):
            chunk = payload[start : start + 8]
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(scope="module")
async def recording_gateway_url() -> AsyncIterator[str]:
    async with AsyncExitStack() as stack:
        urls = {}
        for name in UPSTREAMS:
            urls[name] = await stack.enter_async_context(serving(Recorder(name), bound_socket()))
        settings = GatewaySettings(service_urls=urls, log_json=False, log_level="WARNING")
        url = await stack.enter_async_context(serving(gateway_app(settings), bound_socket()))
        yield url


@pytest.fixture
async def recording_gateway(recording_gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=recording_gateway_url, timeout=5.0) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/exports/projects", "projects"),
        ("/api/v1/exports/outcome_journal_ratings", "projects"),
        ("/api/v1/exports/criterion_ratings", "assessment"),
        ("/api/v1/exports/equality_summary", "stakeholders"),
        ("/api/v1/exports", "reporting"),
        ("/api/v1/exports/bundle.zip", "reporting"),
        ("/api/v1/exports/widgets", "reporting"),
        # Only the dataset's own path goes to its owner; anything below it is nobody's dataset.
        ("/api/v1/exports/projects/extra", "reporting"),
        ("/api/v1/exports/projects.csv", "reporting"),
    ],
)
async def test_each_export_path_reaches_its_owner(
    recording_gateway: httpx.AsyncClient, path: str, service: str
) -> None:
    response = await recording_gateway.get(
        path,
        params=[("format", "ndjson"), ("project_id", "a"), ("project_id", "b")],
        headers={"Authorization": "Bearer caller-token"},
    )
    assert response.status_code == 200, response.text
    # Streamed through: no length was given, none is invented.
    assert "content-length" not in response.headers
    seen = response.json()
    assert seen == {
        "service": service,
        "path": path.removeprefix("/api"),
        "query": "format=ndjson&project_id=a&project_id=b",
        "authorization": "Bearer caller-token",
    }


def test_every_dataset_is_routed_to_a_data_owning_service() -> None:
    assert set(EXPORT_DATASETS.values()) <= {"projects", "assessment", "stakeholders"}
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in EXPORT_DATASETS)
    assert "bundle.zip" not in EXPORT_DATASETS


# --- the merged OpenAPI document ----------------------------------------------------------


def _operation(operation_id: str) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "responses": {"200": {"description": "ok"}}}}


def test_merged_openapi_takes_each_dataset_from_its_owner_and_the_rest_from_reporting() -> None:
    documents = {
        "projects": {
            "paths": {
                "/v1/exports": _operation("list_projects_exports"),
                "/v1/exports/projects": _operation("export_projects"),
                # Declared by the wrong service: not what the gateway routes there, so left out.
                "/v1/exports/criterion_ratings": _operation("export_criterion_ratings_here"),
                "/v1/projects": _operation("list_projects"),
            }
        },
        "assessment": {
            "paths": {
                "/v1/exports": _operation("list_assessment_exports"),
                "/v1/exports/criterion_ratings": _operation("export_criterion_ratings"),
            }
        },
        "reporting": {
            "paths": {
                "/v1/exports": _operation("list_export_datasets"),
                "/v1/exports/bundle.zip": _operation("get_export_bundle"),
                "/v1/exports/{dataset}": _operation("get_unknown_export_dataset"),
                "/v1/reports/portfolio": _operation("get_portfolio_report"),
            }
        },
    }
    merged = merge_documents(documents, title="CMDI API", version="1", unavailable=[])
    operations = {path: ops["get"]["operationId"] for path, ops in merged["paths"].items()}
    assert operations == {
        "/api/v1/exports": "list_export_datasets",
        "/api/v1/exports/bundle.zip": "get_export_bundle",
        "/api/v1/exports/{dataset}": "get_unknown_export_dataset",
        "/api/v1/exports/projects": "export_projects",
        "/api/v1/exports/criterion_ratings": "export_criterion_ratings",
        "/api/v1/projects": "list_projects",
        "/api/v1/reports/portfolio": "get_portfolio_report",
    }
