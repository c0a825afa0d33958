"""The gateway's export routing table (`routes_table.EXPORT_DATASETS`) against what the three
services publish: one `GET /v1/exports/<dataset>` path per dataset in each service's OpenAPI
document, so a dataset added, renamed or moved without the table (or the table without the
service) fails here. The live dictionaries are checked through the gateway in
tests/e2e/test_exports_e2e.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

import assessment_service.main
import projects_service.main
import stakeholders_service.main
from gateway.routes_table import EXPORT_DATASETS

APPS: dict[str, Callable[[], FastAPI]] = {
    "projects": projects_service.main.create_app,
    "assessment": assessment_service.main.create_app,
    "stakeholders": stakeholders_service.main.create_app,
}


def _published_datasets(document: dict[str, Any]) -> set[str]:
    """`/v1/exports/<literal>` paths of a service's OpenAPI document: one per dataset."""
    return {
        path.removeprefix("/v1/exports/")
        for path in document.get("paths", {})
        if path.startswith("/v1/exports/") and "{" not in path
    }


def test_routing_table_is_the_union_of_the_datasets_the_services_publish() -> None:
    published = {name: _published_datasets(factory().openapi()) for name, factory in APPS.items()}
    routed = {
        name: {dataset for dataset, owner in EXPORT_DATASETS.items() if owner == name}
        for name in published
    }
    assert published == routed
