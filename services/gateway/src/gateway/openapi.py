"""One OpenAPI document for the public API, merged from the services' own documents.

Each service documents its `/v1/...` paths; the gateway serves them at `/api/v1/...`. Only paths
the service answers through the gateway (per the routing table: its collections, and its own
datasets under `/v1/exports/`) are taken, so the platform routes
every service has (`/v1/events`, `/v1/audit`) and the operational ones (`/healthz`) do not appear
three times. Schemas come along only when an included operation reaches them; two services using
one schema name for different schemas get service-prefixed names, so no reference changes
meaning. A service that is down is left out and named in `info`, and such a partial document is
cached only briefly.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import structlog

from gateway.documents import ComposedDocument, Document
from gateway.routes_table import API_PREFIX, UPSTREAMS, owner_of_path
from shared.http import ServiceClient
from shared.openapi import document_problems
from shared.problems import PROBLEM_CONTENT_TYPE

logger = structlog.get_logger("gateway.openapi")

_SCHEMA_REF = "#/components/schemas/"
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
# What the gateway itself may answer for any proxied operation, beside the service's own errors.
_GATEWAY_PROBLEMS = {
    "502": "The service's answer was broken off or malformed",
    "503": "A dependency is unavailable; retry after `Retry-After`",
    "504": "The service did not answer in time",
}


def _walk_refs(node: Any) -> Iterator[str]:
    """Every schema name referenced (`$ref: #/components/schemas/<name>`) anywhere in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_SCHEMA_REF):
                yield value[len(_SCHEMA_REF) :]
            else:
                yield from _walk_refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_refs(item)


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_SCHEMA_REF):
                name = value[len(_SCHEMA_REF) :]
                out[key] = _SCHEMA_REF + renames.get(name, name)
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _reachable(roots: Any, schemas: Mapping[str, Any]) -> set[str]:
    seen: set[str] = set()
    pending = list(_walk_refs(roots))
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        pending.extend(_walk_refs(schemas[name]))
    return seen


def _operations(paths: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for operations in paths.values():
        for method, operation in operations.items():
            if method in _METHODS and isinstance(operation, dict):
                yield operation


def merge_documents(
    documents: Mapping[str, Document], *, title: str, version: str, unavailable: list[str]
) -> Document:
    """Merge per-service documents (service name → its `/openapi.json`) into the public one."""
    documents = copy.deepcopy(dict(documents))  # operations are amended below
    merged_paths: dict[str, Any] = {}
    merged_schemas: dict[str, Any] = {}
    security_schemes: dict[str, Any] = {}
    tags: dict[str, Any] = {}
    operation_ids: dict[str, str] = {}
    conflicts: list[str] = []

    for service, document in documents.items():
        if service == GATEWAY:  # its own composites, already under /api/v1/
            paths = {
                path: operations
                for path, operations in document.get("paths", {}).items()
                if path.startswith(API_PREFIX + "/v1/")
            }
        else:
            paths = {
                API_PREFIX + path: operations
                for path, operations in document.get("paths", {}).items()
                if owner_of_path(path) == service
            }
        components = document.get("components", {})
        schemas: dict[str, Any] = components.get("schemas", {})
        needed = _reachable(paths, schemas)

        # A name clashes when another service already defined it differently, or when it refers
        # to a name that clashes (same text, but its reference would now mean another schema).
        renames: dict[str, str] = {}
        changed = True
        while changed:
            changed = False
            for name in sorted(needed - renames.keys()):
                existing = merged_schemas.get(name)
                if existing is None:
                    continue
                if existing != schemas[name] or renames.keys() & set(_walk_refs(schemas[name])):
                    renames[name] = f"{service.capitalize()}_{name}"
                    changed = True
        if renames:
            logger.info("openapi_schema_renamed", service=service, names=sorted(renames))
            paths = _rewrite_refs(paths, renames)
        for name in sorted(needed):
            merged_schemas.setdefault(
                renames.get(name, name), _rewrite_refs(schemas[name], renames)
            )

        for operation in _operations(paths):
            operation_id = operation.get("operationId")
            if isinstance(operation_id, str):
                if operation_id in operation_ids:
                    renamed = f"{service}_{operation_id}"
                    conflicts.append(f"{operation_id} ({operation_ids[operation_id]}, {service})")
                    operation["operationId"] = operation_id = renamed
                operation_ids[operation_id] = service
            responses = operation.setdefault("responses", {})
            for status, description in _GATEWAY_PROBLEMS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {
                            PROBLEM_CONTENT_TYPE: {"schema": {"$ref": _SCHEMA_REF + "Problem"}}
                        },
                    },
                )
        merged_paths.update(paths)
        security_schemes.update(components.get("securitySchemes", {}))
        for tag in document.get("tags", []):
            tags.setdefault(tag["name"], tag)

    description = (
        "The CMDI platform's public API: every collection of every service under `/api/v1/`."
    )
    if unavailable:
        description += (
            f" Incomplete: {', '.join(unavailable)} did not answer; their paths are missing."
        )
    info: dict[str, Any] = {"title": title, "version": version, "description": description}
    info["x-services"] = {
        name: ("missing" if name in unavailable else "ok")
        for name in UPSTREAMS
        if name in documents or name in unavailable
    }
    if unavailable:
        info["x-unavailable-services"] = list(unavailable)
    if conflicts:
        logger.warning("openapi_operation_id_conflict", conflicts=conflicts)
        info["x-operation-id-conflicts"] = conflicts

    merged: Document = {
        "openapi": "3.1.0",
        "info": info,
        "paths": dict(sorted(merged_paths.items())),
        "components": {"schemas": merged_schemas, "securitySchemes": security_schemes},
    }
    if tags:
        merged["tags"] = list(tags.values())
    # The shared Problem/FieldError schemas and bearer scheme, even when every service is down.
    return document_problems(merged)


GATEWAY = "gateway"


class OpenAPIAggregator(ComposedDocument):
    """The services' documents merged with the gateway's own (its composite routes)."""

    path = "/openapi.json"
    services = UPSTREAMS

    def __init__(
        self,
        clients: Mapping[str, ServiceClient],
        *,
        ttl: float,
        timeout: float,
        version: str,
        local: Callable[[], Document] | None = None,
    ) -> None:
        super().__init__(clients, ttl=ttl, timeout=timeout, version=version)
        self.local = local

    def merge(self, documents: dict[str, Document], unavailable: list[str]) -> Document:
        if self.local is not None:
            documents[GATEWAY] = self.local()
        return merge_documents(
            documents, title="CMDI API", version=self.version, unavailable=unavailable
        )
