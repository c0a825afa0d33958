"""A service's committed OpenAPI snapshot (`openapi/<service>.json`) as a checker for its fakes.

`OpenApiContract.of("projects")` answers two questions a fake asks on every call: is this request
one the real service publishes (method and path, query parameter names and values: the real
service answers an unknown or invalid parameter with a 422), and is this answer one it publishes
(status, media type, problem type, and a body valid against the published schema). Anything else
raises `ContractViolation`, so a fake cannot drift from the service it stands in for.

Bodies are checked strictly: an object schema that does not say otherwise is closed
(`additionalProperties: false`), because a response model serialises exactly its declared fields;
a fake answering a field the service does not publish fails as surely as one missing a field.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs

from shared.problems import PROBLEM_CONTENT_TYPE, status_problem_type

# shared/src/shared/testing/contract.py -> the repository root holds openapi/.
_DEFAULT_SNAPSHOTS = Path(__file__).resolve().parents[4] / "openapi"
SNAPSHOTS_ENV = "CMDI_OPENAPI_DIR"
_IGNORED_QUERY_PREFIX = "_"  # shared.parameters ignores these (cache busters)
_PROBLEM_TYPES = re.compile(r"`(https?://[^`\s]+/problems/[^`\s]+)`")
_MAX_REPORTED = 5


class ContractViolation(AssertionError):
    """A fake, or the code calling it, stepped outside what the real service publishes."""


def snapshot_dir() -> Path:
    return Path(os.environ.get(SNAPSHOTS_ENV, _DEFAULT_SNAPSHOTS))


def _close_objects(node: Any) -> Any:
    """Object schemas that do not mention `additionalProperties` allow none."""
    if isinstance(node, dict):
        closed = {key: _close_objects(value) for key, value in node.items()}
        if (
            closed.get("type") == "object"
            and isinstance(closed.get("properties"), dict)
            and "additionalProperties" not in closed
        ):
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [_close_objects(item) for item in node]
    return node


@dataclass(frozen=True)
class Operation:
    """One published operation: `GET /v1/projects/{project_id}` and its OpenAPI object."""

    method: str
    template: str
    spec: Mapping[str, Any]

    def __str__(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def query_parameters(self) -> dict[str, Mapping[str, Any]]:
        return {p["name"]: p for p in self.spec.get("parameters", []) if p.get("in") == "query"}


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


def _scalar_type(schema: Mapping[str, Any]) -> str | None:
    """The JSON type a query value should be read as (the non-null branch of an `anyOf`)."""
    if "type" in schema:
        kind = schema["type"]
        return kind if isinstance(kind, str) else None
    for branch in schema.get("anyOf", []):
        if branch.get("type") not in (None, "null"):
            return _scalar_type(branch)
    return None


def _array_items(schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if schema.get("type") == "array":
        items: Mapping[str, Any] = schema.get("items", {})
        return items
    for branch in schema.get("anyOf", []):
        if branch.get("type") == "array":
            return _array_items(branch)
    return None


def _read_query_value(raw: str, schema: Mapping[str, Any]) -> Any:
    """A query string value as the service reads it; ValueError when it cannot be."""
    kind = _scalar_type(schema)
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError(raw)
        return raw == "true"
    return raw


class OpenApiContract:
    """The published contract of one service."""

    def __init__(self, service: str, document: Mapping[str, Any]) -> None:
        self.service = service
        self.document = document
        self._components = _close_objects(copy.deepcopy(document.get("components", {})))
        self._operations: list[tuple[re.Pattern[str], int, Operation]] = []
        for template, item in document.get("paths", {}).items():
            for method, spec in item.items():
                if method.upper() not in {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"}:
                    continue
                operation = Operation(method.upper(), template, spec)
                self._operations.append(
                    (_template_pattern(template), template.count("{"), operation)
                )
        self._validators: dict[str, jsonschema_rs.Validator] = {}

    @classmethod
    @functools.cache
    def of(cls, service: str) -> OpenApiContract:
        """The contract in `openapi/<service>.json` (read once per process)."""
        path = snapshot_dir() / f"{service}.json"
        if not path.is_file():
            raise ContractViolation(f"no OpenAPI snapshot for {service!r} at {path}")
        return cls(service, json.loads(path.read_text()))

    # --- requests ---------------------------------------------------------------------------

    def operation(self, method: str, path: str) -> Operation:
        """The published operation this request reaches (the most specific template wins)."""
        matches = [(params, op) for regex, params, op in self._operations if regex.match(path)]
        if not matches:
            raise ContractViolation(f"{self.service} publishes no path matching {path}")
        for _, operation in sorted(matches, key=lambda match: match[0]):
            if operation.method == method.upper():
                return operation
        published = sorted({op.method for _, op in matches})
        raise ContractViolation(
            f"{self.service} publishes {'/'.join(published)} for {path}, not {method.upper()}"
        )

    def check_request(
        self, method: str, path: str, query: Mapping[str, Sequence[str]]
    ) -> Operation:
        """The operation, once the query is one the real service would accept (not a 422)."""
        operation = self.operation(method, path)
        declared = operation.query_parameters
        problems: list[str] = []
        for name, values in query.items():
            if name.startswith(_IGNORED_QUERY_PREFIX):
                continue
            parameter = declared.get(name)
            if parameter is None:
                problems.append(f"unknown query parameter {name!r}")
                continue
            schema = parameter.get("schema", {})
            items = _array_items(schema)
            try:
                value: Any = (
                    [_read_query_value(v, items) for v in values]
                    if items is not None
                    else _read_query_value(values[-1], schema)
                )
            except ValueError:
                problems.append(f"query parameter {name!r} cannot be read from {values!r}")
                continue
            problems += [f"query {name}: {e}" for e in self._errors(schema, value)]
        for name, parameter in declared.items():
            if parameter.get("required") and name not in query:
                problems.append(f"required query parameter {name!r} missing")
        if problems:
            raise ContractViolation(f"{operation}: the real service answers 422: {problems}")
        return operation

    # --- responses --------------------------------------------------------------------------

    def check_response(
        self, operation: Operation, status: int, content_type: str | None, body: Any
    ) -> None:
        """Raise unless `operation` publishes this status, media type and body."""
        responses = operation.spec.get("responses", {})
        response = responses.get(str(status)) or responses.get("default")
        if response is None:
            raise ContractViolation(
                f"{operation} publishes statuses {sorted(responses)}, not {status}"
            )
        content: Mapping[str, Any] = response.get("content") or {}
        media_type = (content_type or "").split(";")[0].strip()
        if not content:
            if body is not None:
                raise ContractViolation(f"{operation} {status} publishes no body")
            return
        if media_type not in content:
            raise ContractViolation(
                f"{operation} {status} publishes {sorted(content)}, not {media_type or 'none'}"
            )
        schema = content[media_type].get("schema", {})
        errors = self._errors(schema, body)
        if errors:
            raise ContractViolation(
                f"{operation} {status}: body does not match the published schema: {errors}"
            )
        if media_type == PROBLEM_CONTENT_TYPE:
            listed = set(_PROBLEM_TYPES.findall(response.get("description", "")))
            allowed = listed | {status_problem_type(status)}
            if listed and body.get("type") not in allowed:
                raise ContractViolation(
                    f"{operation} {status} publishes problem types {sorted(allowed)}, "
                    f"not {body.get('type')}"
                )

    def _errors(self, schema: Mapping[str, Any], instance: Any) -> list[str]:
        key = json.dumps(schema, sort_keys=True)
        validator = self._validators.get(key)
        if validator is None:
            root = {**_close_objects(copy.deepcopy(dict(schema))), "components": self._components}
            validator = jsonschema_rs.validator_for(root, validate_formats=True)
            self._validators[key] = validator
        return [
            f"{'/'.join(map(str, error.instance_path)) or '(root)'}: {error.message}"
            for error in list(validator.iter_errors(instance))[:_MAX_REPORTED]
        ]
