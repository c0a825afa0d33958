"""The base of every fake upstream: an httpx transport that plays another service for a test.

A service under test is given one per upstream (`create_app(transports={"projects": fake})`):

- every answer is checked against that service's committed OpenAPI snapshot before it is
  returned (`shared.testing.contract`): a request the real service would refuse, or an answer
  (path, method, status, media type, body) it does not publish, raises `ContractViolation` and
  is kept in `violations`, which `verify()` (run after every test by the suites' conftests)
  turns into a failure even when the code under test swallowed the error into a 500 or 502;
- `reachable = False` refuses connections (the service is down; `SwitchableApp` is the same
  switch in front of a real app), `failing = 500` answers every request with that status as a
  problem; `calls` records every request that reached it;
- every fake publishes a change feed (`GET /v1/events`) filled with `publish(...)`.

Subclasses register a handler per published operation with `route(...)`; a handler returns
`(status, body)` and never builds responses by hand.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs

import httpx

from shared.db import utcnow
from shared.problems import PROBLEM_CONTENT_TYPE, problem_type, status_problem_type
from shared.testing.contract import ContractViolation, OpenApiContract, Operation

_TITLES = {404: "Resource not found", 500: "Internal server error", 503: "Service unavailable"}


@dataclass(frozen=True)
class Call:
    """One request a fake received."""

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def params(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def __str__(self) -> str:
        query = "&".join(f"{k}={v}" for k, values in sorted(self.query.items()) for v in values)
        return f"{self.method} {self.path}{'?' + query if query else ''}"


Answer = tuple[int, Any]
Handler = Callable[[Call, Mapping[str, str]], Answer]


def problem(status: int, slug: str | None = None, detail: str | None = None) -> Answer:
    """A problem answer of this status (and type), as `shared.problems` writes one."""
    body = {
        "type": problem_type(slug) if slug else status_problem_type(status),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    return status, body


def timestamp() -> str:
    """Now (the test clock when one is installed), as the services write instants."""
    return utcnow().isoformat().replace("+00:00", "Z")


class SwitchableApp(httpx.AsyncBaseTransport):
    """A real in-process app (set now or later) behind the switch the fakes have: for the
    cross-service suites, where one service calls another's real app over ASGI."""

    def __init__(self, app: Any = None) -> None:
        self.app = app
        self.reachable = True

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.reachable or self.app is None:
            raise httpx.ConnectError("connection refused", request=request)
        return await httpx.ASGITransport(app=self.app).handle_async_request(request)


class FakeService(httpx.AsyncBaseTransport):
    """Another service as far as the code under test can tell (see the module docstring)."""

    service: ClassVar[str]

    def __init__(self) -> None:
        self.contract = OpenApiContract.of(self.service)
        self._handlers: dict[tuple[str, str], Handler] = {}
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.reachable = True
        self.failing: int | None = None
        self.route("GET", "/v1/events", self._events)

    # --- switches ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything a test set up (violations are kept until `verify()`)."""
        self.calls.clear()
        self.events.clear()
        self.reachable = True
        self.failing = None

    def verify(self) -> None:
        """Fail if any answer or request stepped outside the published contract; then forget."""
        found, self.violations = self.violations, []
        if found:
            raise ContractViolation(
                f"{type(self).__name__} saw {len(found)} contract violation(s): " + "; ".join(found)
            )

    # --- routing ----------------------------------------------------------------------------

    def route(self, method: str, template: str, handler: Handler) -> None:
        """Answer `method template` (which the service must publish) with `handler`."""
        operation = self.contract.operation(method, template)
        if operation.template != template:
            raise ContractViolation(f"{self.service} publishes {template} as {operation.template}")
        self._handlers[(operation.method, operation.template)] = handler

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        query = parse_qs(request.url.query.decode(), keep_blank_values=True)
        call = Call(request.method, request.url.path, query)
        self.calls.append(call)
        if not self.reachable:
            raise httpx.ConnectError(f"{self.service} is unreachable", request=request)
        try:
            operation = self.contract.check_request(call.method, call.path, call.query)
            status, body = self._answer(operation, call)
            media_type = PROBLEM_CONTENT_TYPE if status >= 400 else "application/json"
            self.contract.check_response(operation, status, media_type, body)
        except ContractViolation as exc:
            self.violations.append(f"{call}: {exc}")
            raise
        return httpx.Response(
            status, json=body, headers={"content-type": media_type}, request=request
        )

    def _answer(self, operation: Operation, call: Call) -> Answer:
        if self.failing is not None:
            return problem(self.failing, detail="A fake told to fail.")
        handler = self._handlers.get((operation.method, operation.template))
        if handler is None:
            raise ContractViolation(f"{type(self).__name__} does not implement {operation}")
        return handler(call, _path_values(operation.template, call.path))

    # --- the change feed --------------------------------------------------------------------

    def publish(
        self,
        type_: str,
        data: dict[str, Any],
        *,
        entity_type: str = "x",
        entity_id: str | None = None,
        event_id: str | None = None,
        actor: str | None = "gov-1",
    ) -> str:
        """Append an event to this service's feed; returns its id."""
        event_id = event_id or str(uuid.uuid4())
        self.events.append(
            {
                "id": event_id,
                "position": str(len(self.events) + 1),
                "source": self.service,
                "type": type_,
                "entity_type": entity_type,
                "entity_id": entity_id or str(data.get(f"{entity_type}_id", uuid.uuid4())),
                "occurred_at": timestamp(),
                "actor": actor,
                "request_id": None,
                "data": data,
            }
        )
        return event_id

    def _events(self, call: Call, _: Mapping[str, str]) -> Answer:
        after = int(call.param("after") or 0)
        limit = int(call.param("limit") or 50)
        types = set(call.params("type"))
        wanted = [
            e
            for e in self.events
            if int(e["position"]) > after and (not types or e["type"] in types)
        ]
        page, has_more = wanted[:limit], len(wanted) > limit
        # As shared.feeds: a full page resumes after its last event, else at the high-water mark.
        cursor = int(page[-1]["position"]) if has_more else max(after, len(self.events))
        return 200, {"items": page, "next_cursor": str(cursor), "has_more": has_more}


def _path_values(template: str, path: str) -> dict[str, str]:
    names = template.split("/")
    values = path.split("/")
    return {n[1:-1]: v for n, v in zip(names, values, strict=True) if n.startswith("{")}
