"""Query and path parameter checks every route gets: an unknown query parameter, or a NUL in any
query or path value, is a 422 problem naming the parameter.

`install_parameter_checks` adds one app-level dependency (`shared.app.create_process_app` calls it
for every process), so no route has to remember it. docs/conventions.md: an unknown parameter
(a typo such as `updated_sinse`, or `as_of` where a list cannot honour it) must never silently
answer something else; names starting with `_` (cache busters) are ignored. NUL is refused because
PostgreSQL cannot hold it in text (a 500 there) and SQLite compares it silently.

A route that really takes arbitrary parameters says so with `dependencies=[AnyQueryParameters]`.
The declared names are read from the matched route (`scope["route"]`): its parameters and those
of its dependencies, the router's included. Dependencies given to `include_router(...)` are not
part of that route, so they must not declare query parameters (none does).
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import AliasChoices, BaseModel

from shared.problems import FieldError, InvalidInput

IGNORED_PREFIX = "_"
# What a problem may echo of a name the client made up, and how many it lists.
_MAX_NAME_CHARS = 60
_MAX_REPORTED = 10


class UnknownQueryParameter(InvalidInput):
    slug = "unknown-query-parameter"
    title = "This route does not take one of the query parameters"


class UnstorableParameter(InvalidInput):
    slug = "unstorable-parameter"
    title = "A parameter holds text that cannot be stored"


async def accept_any_query_parameters() -> None:
    """Marker dependency: the route reads parameters it does not declare (see the module doc).
    `async` so FastAPI does not run it on its thread pool."""


AnyQueryParameters = Depends(accept_any_query_parameters)

# Computed once per route and kept on it (routes define `__eq__`, so they cannot be dict keys).
_CACHE_ATTRIBUTE = "_shared_declared_query_names"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    candidates = getattr(annotation, "__args__", None) or (annotation,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _names(name: str, alias: str | None, validation_alias: Any) -> set[str]:
    if isinstance(validation_alias, AliasChoices):
        return {choice for choice in validation_alias.choices if isinstance(choice, str)}
    if isinstance(validation_alias, str):
        return {validation_alias}
    return {alias or name}


def declared_query_names(route: APIRoute) -> frozenset[str] | None:
    """Every query name `route` reads, through all its dependencies; None if it takes any."""
    if hasattr(route, _CACHE_ATTRIBUTE):
        cached: frozenset[str] | None = getattr(route, _CACHE_ATTRIBUTE)
        return cached
    names: set[str] = set()
    open_ended = False
    pending: list[Dependant] = [route.dependant]
    while pending and not open_ended:
        dependant = pending.pop()
        if dependant.call is accept_any_query_parameters:
            open_ended = True
        for field in dependant.query_params:
            info = field.field_info
            model = _model_of(info.annotation)
            if model is None:
                names |= _names(field.name, field.alias, info.validation_alias)
                continue
            if model.model_config.get("extra") == "allow":  # a query model open to anything
                open_ended = True
            for name, model_field in model.model_fields.items():
                names |= _names(name, model_field.alias, model_field.validation_alias)
        pending.extend(dependant.dependencies)
    declared = None if open_ended else frozenset(names)
    setattr(route, _CACHE_ATTRIBUTE, declared)
    return declared


def _shown(name: str) -> str:
    shown = name if len(name) <= _MAX_NAME_CHARS else name[:_MAX_NAME_CHARS] + "…"
    return "/" + shown.replace("~", "~0").replace("/", "~1")


async def check_parameters(request: Request) -> None:
    """The app-level dependency: 422 for unknown query names first, then for NUL in values."""
    route = request.scope.get("route")
    declared = declared_query_names(route) if isinstance(route, APIRoute) else None
    unknown: list[FieldError] = []
    unstorable: list[FieldError] = []
    reported: set[str] = set()
    for name, value in request.query_params.multi_items():
        if name in reported:
            continue
        if declared is not None and name not in declared:
            if not name.startswith(IGNORED_PREFIX):  # `_...`: ignored, value and all
                reported.add(name)
                unknown.append(
                    FieldError(pointer=_shown(name), location="query", detail="Unknown parameter.")
                )
        elif "\x00" in value or "\x00" in name:
            reported.add(name)
            unstorable.append(
                FieldError(pointer=_shown(name), location="query", detail="Text holds NUL.")
            )
    if unknown:
        raise UnknownQueryParameter(
            "This route does not take the query parameters listed in `errors` (names starting"
            " with `_` are ignored); see the API documentation for the ones it does.",
            errors=unknown[:_MAX_REPORTED],
        )
    for name, value in request.path_params.items():
        if isinstance(value, str) and "\x00" in value:
            unstorable.append(
                FieldError(pointer=_shown(name), location="path", detail="Text holds NUL.")
            )
    if unstorable:
        raise UnstorableParameter(
            "Text must not contain NUL characters.", errors=unstorable[:_MAX_REPORTED]
        )


def install_parameter_checks(app: FastAPI) -> None:
    """Every route included in `app` from now on runs `check_parameters` first."""
    app.router.dependencies.append(Depends(check_parameters))
