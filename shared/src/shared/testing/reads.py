"""Fakes of the reads a composing service (the reporting service) makes of the other services:
canned answers per published operation, each checked against that service's OpenAPI.

`FakeProjectReads()`, `FakeAssessmentReads()` and `FakeStakeholderReads()` each play one
upstream. A test gives it answers:

    projects.answer("GET", "/v1/aggregates/portfolio", example | {"projects": 3})
    projects.answer_for("GET", "/v1/projects/{project_id}", project_id, record)

`example(method, template)` builds the smallest body the published schema accepts (required
fields only, nullable ones null, lists empty, the first enum value), so a test states only the
figures it is about and stays valid while the upstream adds fields. An operation answered
`answer_for` answers a 404 problem for any other id. POST bodies are checked against the
published request schema and kept in `bodies` (the calls themselves in `calls`, as every fake).

As every `FakeService`, each answer is checked against the contract before it is returned, and
`reachable`/`failing` make the service unreachable or failing. The contract is the committed
snapshot (`openapi/<service>.json`) unless one is given: a suite may pass the live document of
the upstream's app (`OpenApiContract(name, create_app().openapi())`) while the snapshots are
regenerated only at release.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from shared.testing.contract import ContractViolation, OpenApiContract
from shared.testing.fakes import Answer, Call, FakeService, problem

_MAX_DEPTH = 40


def merge(base: Any, changes: Any) -> Any:
    """`base` with `changes` laid over it: dicts merge key by key, anything else is replaced."""
    if isinstance(base, dict) and isinstance(changes, Mapping):
        merged = dict(base)
        for key, value in changes.items():
            merged[key] = merge(base.get(key), value)
        return merged
    return copy.deepcopy(changes)


class FakeReads(FakeService):
    """One upstream service as its readers see it (see the module docstring); subclassed once
    per service below."""

    def __init__(self, contract: OpenApiContract | None = None) -> None:
        super().__init__()
        if contract is not None:
            self.contract = contract
            self._handlers.clear()
            self.route("GET", "/v1/events", self._events)
        self.bodies: list[tuple[str, Any]] = []
        self._fixed: dict[tuple[str, str], Any] = {}
        self._by_id: dict[tuple[str, str], dict[str, Any]] = {}
        self._not_found: dict[tuple[str, str], str] = {}

    # --- answers ------------------------------------------------------------------------------

    def answer(
        self, method: str, template: str, body: Any | Callable[[Call, Mapping[str, str]], Answer]
    ) -> None:
        """Answer `method template` with `body` (200), or with what `body(call, path)` says."""
        key = (method.upper(), template)
        self._fixed[key] = body
        self.route(method, template, self._fixed_handler(key))

    def answer_for(
        self, method: str, template: str, key: Any, body: Any, *, not_found: str = "not-found"
    ) -> None:
        """Answer `method template` for the path id `key` with `body`; other ids: 404."""
        operation = (method.upper(), template)
        self._by_id.setdefault(operation, {})[str(key)] = body
        self._not_found[operation] = not_found
        self.route(method, template, self._id_handler(operation))

    def example(self, method: str, template: str, status: int = 200) -> Any:
        """The smallest body the published `method template` answers with `status`."""
        operation = self.contract.operation(method, template)
        content = operation.spec["responses"][str(status)]["content"]["application/json"]
        return _example(self.contract, content["schema"], 0)

    def example_of(self, schema: str) -> Any:
        """The smallest instance of the published component schema `schema`."""
        return _example(self.contract, {"$ref": f"#/components/schemas/{schema}"}, 0)

    def reset(self) -> None:
        super().reset()
        self.bodies.clear()
        for key in (*self._fixed, *self._by_id):
            self._handlers.pop(key, None)
        self._fixed.clear()
        self._by_id.clear()
        self._not_found.clear()

    def calls_to(self, method: str, template: str) -> list[Call]:
        """The calls that reached `method template`."""
        return [
            call
            for call in self.calls
            if isinstance(call, Call)
            and call.method == method.upper()
            and self._template_of(call) == template
        ]

    def _template_of(self, call: Call) -> str | None:
        try:
            return self.contract.operation(call.method, call.path).template
        except ContractViolation:
            return None

    def _fixed_handler(self, key: tuple[str, str]) -> Callable[[Call, Mapping[str, str]], Answer]:
        def handle(call: Call, path: Mapping[str, str]) -> Answer:
            body = self._fixed[key]
            if callable(body):
                answer: Answer = body(call, path)
                return answer
            return 200, copy.deepcopy(body)

        return handle

    def _id_handler(self, key: tuple[str, str]) -> Callable[[Call, Mapping[str, str]], Answer]:
        def handle(call: Call, path: Mapping[str, str]) -> Answer:
            found = self._by_id[key].get(next(iter(path.values()), ""))
            if found is None:
                return problem(404, self._not_found[key], "No such resource.")
            return 200, copy.deepcopy(found)

        return handle

    # --- requests -----------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method in {"POST", "PUT", "PATCH"}:
            body = json.loads(request.content or b"null")
            self.bodies.append((request.url.path, body))
            try:
                self._check_body(request.method, request.url.path, body)
            except ContractViolation as exc:
                self.violations.append(f"{request.method} {request.url.path}: {exc}")
                raise
        return await super().handle_async_request(request)

    def _check_body(self, method: str, path: str, body: Any) -> None:
        operation = self.contract.operation(method, path)
        schema = (
            operation.spec.get("requestBody", {})
            .get("content", {})
            .get("application/json", {})
            .get("schema")
        )
        if schema is None:
            return
        # The contract's own schema check (this package's), as for answers: closed objects.
        errors = self.contract._errors(schema, body)
        if errors:
            raise ContractViolation(f"{operation}: the real service answers 422: {errors}")


class FakeProjectReads(FakeReads):
    service = "projects"


class FakeAssessmentReads(FakeReads):
    service = "assessment"


class FakeStakeholderReads(FakeReads):
    service = "stakeholders"


def _resolve(contract: OpenApiContract, schema: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if not ref:
        return schema
    name = ref.rsplit("/", 1)[-1]
    resolved: Mapping[str, Any] = contract.document["components"]["schemas"][name]
    return resolved


def _example(contract: OpenApiContract, schema: Mapping[str, Any], depth: int) -> Any:
    if depth > _MAX_DEPTH:
        raise ContractViolation("schema nests too deeply for an example")
    schema = _resolve(contract, schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        if any(branch.get("type") == "null" for branch in branches):
            return None
        return _example(contract, branches[0], depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged = merge(merged, _example(contract, part, depth + 1))
        return merged
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {
            name: _example(contract, properties[name], depth + 1)
            for name in schema.get("required", [])
        }
    if kind == "array":
        count = schema.get("minItems", 0)
        return [_example(contract, schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        return int(schema.get("minimum", 0))
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return None


def _string(schema: Mapping[str, Any]) -> str:
    kind = schema.get("format")
    if kind == "uuid":
        return str(uuid.UUID(int=0))
    if kind == "date-time":
        return "2026-01-01T00:00:00Z"
    if kind == "date":
        return dt.date(2026, 1, 1).isoformat()
    return "x" * max(1, int(schema.get("minLength", 1)))
