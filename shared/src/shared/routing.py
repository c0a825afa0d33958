"""Routing by the documented contract: ids match only ids, and a 405 names every allowed method.

Starlette tries routes in order and takes the first full match, which gives two wrong answers:

- `PATCH /v1/projects/key-people` fully matches `PATCH /v1/projects/{project_id}` (a plain
  `{name}` matches any segment), so it was a 422 ("project_id is not a UUID") although the
  resource exists and only supports GET.
- When only the method differs, the 405 carries the `Allow` of the *first* route matching the
  path, but FastAPI registers one route per method: `DELETE /v1/projects/{id}` advertised
  `Allow: GET` while PATCH is served too.

`RouteContractMiddleware` sits just inside the request-context and access-log middleware and
decides both before the router runs, from the app's own OpenAPI document: a path parameter
documented as `format: uuid` matches only a UUID segment. A path no documented template matches
that way, though one does when ids are ignored (a malformed id), is a 404 problem. Of the
templates a path matches, the most specific win (a literal segment beats a parameter, as a
static path must not be captured by a parameterised one); a method none of them serves is a 405
problem whose `Allow` lists the methods of all of them (RFC 9110 section 15.5.6). Anything else
goes to the router unchanged.
Undocumented routes (the docs pages) never match a template and pass through too.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.problems import problem_response, status_problem_type

HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})
_UUID = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    """One documented path: how it matches with ids typed and untyped, and its methods."""

    path: str
    typed: re.Pattern[str]
    untyped: re.Pattern[str]
    methods: frozenset[str]
    # Per segment, 1 for a literal and 0 for a parameter: `/consensus/medians` is more specific
    # than `/consensus/{criterion_code}` and, where both match, the resource is the former's.
    specificity: tuple[int, ...]


def _uuid_parameters(operations: dict[str, Any]) -> set[str]:
    names = set()
    for operation in operations.values():
        if not isinstance(operation, dict):
            continue
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            if parameter.get("in") == "path" and schema.get("format") == "uuid":
                names.add(parameter["name"])
    return names


def _compile(path: str, uuids: set[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    typed = untyped = ""
    position = 0
    for match in _PARAMETER.finditer(path):
        literal = re.escape(path[position : match.start()])
        typed += literal + (_UUID if match.group(1) in uuids else "[^/]+")
        untyped += literal + "[^/]+"
        position = match.end()
    rest = re.escape(path[position:])
    return re.compile(f"{typed}{rest}"), re.compile(f"{untyped}{rest}")


def route_table(document: dict[str, Any]) -> dict[int, list[Template]]:
    """The documented templates by number of path segments (a request is compared with those of
    its own length only)."""
    table: dict[int, list[Template]] = defaultdict(list)
    for path, operations in document.get("paths", {}).items():
        typed, untyped = _compile(path, _uuid_parameters(operations))
        methods = frozenset(m.upper() for m in operations if m.upper() in HTTP_METHODS)
        specificity = tuple(0 if _PARAMETER.search(part) else 1 for part in path.split("/"))
        table[path.count("/")].append(Template(path, typed, untyped, methods, specificity))
    return dict(table)


@dataclass(frozen=True)
class Decision:
    """What the contract says about a request the router would otherwise decide."""

    status: int  # 404 or 405
    allow: tuple[str, ...] = ()


def decide(table: dict[int, list[Template]], method: str, path: str) -> Decision | None:
    """None: let the router handle it. Otherwise the 404 or 405 the contract requires."""
    candidates = table.get(path.count("/"), ())
    typed = [t for t in candidates if t.typed.fullmatch(path)]
    if not typed:
        if any(t.untyped.fullmatch(path) for t in candidates):
            return Decision(404)
        return None
    best = max(t.specificity for t in typed)
    allowed = frozenset().union(*(t.methods for t in typed if t.specificity == best))
    # HEAD and OPTIONS too: neither is served unless documented (CORS preflights are the
    # gateway's), so their 405 must name the methods that are.
    if method in allowed:
        return None
    return Decision(405, tuple(sorted(allowed)))


class RouteContractMiddleware:
    """Answers the 404s and 405s `decide` finds; builds its table on the first request (the
    OpenAPI document is complete only once every router is included)."""

    def __init__(self, app: ASGIApp, *, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self.table: dict[int, list[Template]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.table is None:
            self.table = route_table(self.fastapi_app.openapi())
        decision = decide(self.table, scope["method"], scope["path"])
        if decision is None:
            await self.app(scope, receive, send)
            return
        headers = {"Allow": ", ".join(decision.allow)} if decision.status == 405 else {}
        response = problem_response(
            Request(scope),
            status=decision.status,
            title=HTTPStatus(decision.status).phrase,
            type_=status_problem_type(decision.status),
            headers=headers,
        )
        await response(scope, receive, send)
