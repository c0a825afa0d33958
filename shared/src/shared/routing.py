"""Routing by the declared contract: ids match only ids, and a 405 names every allowed method.

Starlette tries routes in order and takes the first full match, which gives two wrong answers:

- `PATCH /v1/projects/key-people` fully matches `PATCH /v1/projects/{project_id}` (a plain
  `{name}` matches any segment), so it was a 422 ("project_id is not a UUID") although the
  resource exists and only supports GET.
- When only the method differs, the 405 carries the `Allow` of the *first* route matching the
  path, but FastAPI registers one route per method: `DELETE /v1/projects/{id}` advertised
  `Allow: GET` while PATCH is served too.

`RouteContractMiddleware` sits just inside the request-context and access-log middleware and
decides both before the router runs, from the app's routes: a path parameter declared as a
`UUID` (documented as `format: uuid`) matches only a UUID segment. A path no route template
matches that way, though one does when ids are ignored (a malformed id), is a 404 problem. Of the
templates a path matches, the most specific win (a literal segment beats a parameter, as a
static path must not be captured by a parameterised one); a method none of them serves is a 405
problem whose `Allow` lists the methods of all of them (RFC 9110 section 15.5.6). Anything else
goes to the router unchanged.
The docs pages are routes too (GET and HEAD).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.problems import problem_response, status_problem_type

_UUID = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Template:
    """One route path: how it matches with ids typed and untyped, and its methods."""

    path: str
    typed: re.Pattern[str]
    untyped: re.Pattern[str]
    methods: frozenset[str]
    # Per segment, 1 for a literal and 0 for a parameter: `/consensus/medians` is more specific
    # than `/consensus/{criterion_code}` and, where both match, the resource is the former's.
    specificity: tuple[int, ...]


def route_contexts(routes: Sequence[BaseRoute]) -> list[RouteContext]:
    """Every route under `routes`, with its effective path, methods and dependant (its
    routers' prefixes and dependencies included). FastAPI 0.165 keeps an included router nested
    (`app.routes` holds an `_IncludedRouter`, not its routes): whatever walks the routes walks
    these."""
    return list(iter_route_contexts(routes))


@dataclass(frozen=True)
class ApiRoute:
    """An `APIRoute` as it is served: the path with its routers' prefixes, and the dependant
    with their dependencies."""

    path: str
    methods: frozenset[str]
    dependant: Dependant
    route: APIRoute  # as declared on its router


def api_routes(routes: Sequence[BaseRoute]) -> list[ApiRoute]:
    """The `APIRoute`s of `route_contexts(routes)` (no docs pages, no mounts)."""
    return [
        ApiRoute(
            path=str(context.path),
            methods=frozenset(context.methods or ()),
            dependant=context.dependant,
            route=context.original_route,
        )
        for context in route_contexts(routes)
        if isinstance(context.original_route, APIRoute)
    ]


def _uuid_parameters(route: Any) -> set[str]:
    """Path parameters typed `UUID`, also those a dependency declares (a record loader)."""
    names: set[str] = set()
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        names |= {f.name for f in dependant.path_params if f.field_info.annotation is uuid.UUID}
        pending.extend(dependant.dependencies)
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


def route_table(app: FastAPI) -> dict[int, list[Template]]:
    """The app's route templates by number of path segments (a request is compared with those
    of its own length only). Built from the routes themselves, not the OpenAPI document, which
    takes seconds to build on a busy machine (a first /readyz must not wait for it)."""
    methods_by_path: dict[str, set[str]] = defaultdict(set)
    uuids_by_path: dict[str, set[str]] = defaultdict(set)
    for route in route_contexts(app.routes):
        path = getattr(route, "path_format", None)
        methods = getattr(route, "methods", None)
        if not isinstance(path, str) or not methods:
            continue
        methods_by_path[path] |= {m.upper() for m in methods}
        uuids_by_path[path] |= _uuid_parameters(route)
    table: dict[int, list[Template]] = defaultdict(list)
    for path, methods in methods_by_path.items():
        typed, untyped = _compile(path, uuids_by_path[path])
        specificity = tuple(0 if _PARAMETER.search(part) else 1 for part in path.split("/"))
        table[path.count("/")].append(
            Template(path, typed, untyped, frozenset(methods), specificity)
        )
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
    # HEAD and OPTIONS too: neither is served unless a route declares it (CORS preflights are the
    # gateway's), so their 405 must name the methods that are.
    if method in allowed:
        return None
    return Decision(405, tuple(sorted(allowed)))


class RouteContractMiddleware:
    """Answers the 404s and 405s `decide` finds; builds its table at startup or on the first
    request (routers are all included by then)."""

    def __init__(self, app: ASGIApp, *, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self.table: dict[int, list[Template]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan" and self.table is None:
                self.table = route_table(self.fastapi_app)  # at startup, when there is one
            await self.app(scope, receive, send)
            return
        if self.table is None:
            self.table = route_table(self.fastapi_app)
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
