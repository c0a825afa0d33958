"""Every GET route of every service, against the shared request checks (issue #9 items 4, 7, 11,
15, 16): an unknown query parameter is a 422 naming it and `_`-names are ignored; a NUL in any
string parameter is a 422 naming it (PostgreSQL cannot store it); every keyset cursor that is not
one the list wrote is a 422 on `cursor`; the feeds' positions are bounded."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import inspect
import re
import typing
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from projects_service.db import Base as ProjectsBase
from shared.routing import api_routes
from shared.testing import TokenFactory, api_client, project_body, reset_database

SERVICES = ("projects", "assessment", "stakeholders")
# Every role, so the checks are reached wherever the roles allow a read at all.
ROLES = ("admin", "governance", "service", "reporter", "evaluator", "contributor", "viewer")


@pytest.fixture(params=SERVICES)
def app(request: pytest.FixtureRequest, all_apps: dict[str, FastAPI]) -> FastAPI:
    return all_apps[request.param]


@pytest.fixture
async def client(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app, token=tokens(*ROLES, sub="hostile-h3")) as api:
        yield api


def get_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every GET route, inside included routers too (FastAPI keeps those nested)."""
    for route in api_routes(app.routes):
        if "GET" in route.methods:
            yield route.route


def _is_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    return any(_is_text(arg) for arg in typing.get_args(annotation))


def concrete_path(route: APIRoute, text: str = "x") -> str:
    """The route's path with a fresh UUID for every id and `text` for every other parameter."""
    kinds = {field.name: field.field_info.annotation for field in path_fields(route)}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(uuid.uuid4()) if kinds.get(name) is uuid.UUID else text

    return re.sub(r"\{(\w+)(?::\w+)?\}", fill, route.path)


def _fields(route: APIRoute, kind: str) -> list[Any]:
    """The route's `query_params` or `path_params`, its dependencies' (the id loaders') too."""
    fields = []
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        fields += getattr(dependant, kind)
        pending.extend(dependant.dependencies)
    return fields


def query_fields(route: APIRoute) -> list[Any]:
    return _fields(route, "query_params")


def path_fields(route: APIRoute) -> list[Any]:
    return _fields(route, "path_params")


def problem_pointers(response: httpx.Response) -> list[tuple[str, str]]:
    body = response.json()
    return [(error["pointer"], error["location"]) for error in body.get("errors") or []]


async def test_every_get_route_refuses_unknown_and_ignores_underscore_parameters(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    failures = []
    for route in get_routes(app):
        path = concrete_path(route)
        baseline = await client.get(path)
        bogus = await client.get(path, params={"bogus": "1"})
        if bogus.status_code != 422 or ("/bogus", "query") not in problem_pointers(bogus):
            failures.append(f"{route.path}?bogus=1: {bogus.status_code} {bogus.text[:200]}")
        ignored = await client.get(path, params={"_cache": "1", "_": "1700000000"})
        if ignored.status_code != baseline.status_code:
            failures.append(
                f"{route.path}?_cache=1: {ignored.status_code} != {baseline.status_code}"
            )
    assert not failures, "\n".join(failures)


async def test_as_of_where_a_list_does_not_take_it_is_refused(
    all_apps: dict[str, FastAPI], tokens: TokenFactory
) -> None:
    async with api_client(all_apps["projects"], token=tokens("governance")) as api:
        response = await api.get("/v1/projects", params={"as_of": "2026-01-01T00:00:00Z"})
    assert response.status_code == 422
    assert response.json()["type"].endswith("/unknown-query-parameter")
    assert problem_pointers(response) == [("/as_of", "query")]
    assert response.json()["instance"] == "/v1/projects"


async def test_nul_in_every_text_parameter_is_a_422_naming_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    failures = []
    for route in get_routes(app):
        path = concrete_path(route)
        for field in query_fields(route):
            if not _is_text(field.field_info.annotation):
                continue
            response = await client.get(path, params={field.alias: "a\x00b"})
            if response.status_code != 422 or problem_pointers(response) != [
                (f"/{field.alias}", "query")
            ]:
                failures.append(f"{route.path}?{field.alias}=a%00b: {response.status_code}")
        text_paths = [f.name for f in path_fields(route) if _is_text(f.field_info.annotation)]
        if text_paths:
            response = await client.get(concrete_path(route, text="a%00b"))
            pointers = problem_pointers(response)
            if response.status_code != 422 or (f"/{text_paths[0]}", "path") not in pointers:
                failures.append(f"{route.path} with NUL: {response.status_code} {response.text}")
    assert not failures, "\n".join(failures)


def raw_cursor(sort: str, value: str, id_value: str = f'"{uuid.uuid4()}"') -> str:
    text = f'{{"s":"{sort}","v":{value},"id":{id_value}}}'
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


# JSON texts the cursor encoder never writes as a sort value, whatever the column's type (no
# list sorts by a float), and per type the ones that look right but are not.
ANY_TYPE = ["1e400", "1e23", "NaN", "-Infinity", str(2**70), "true", "[1]", '{"a":1}', "null"]
ANY_TYPE += ['"a\\u0000b"']
BY_TYPE: dict[type, list[str]] = {
    dt.datetime: ['"2026-01-01T00:00:00"', '"2026-01-01"', '"garbage"', "5"],
    dt.date: ['"2026-13-01"', '"garbage"', "20260101"],
    str: ["12", '"' + "x" * 700 + '"'],
    int: ['"7"', "7.5", str(2**31), str(-(2**31) - 1)],
    uuid.UUID: ['"not-a-uuid"', "123"],
}
BAD_SEQS = ['"7"', "7.5", "1e400", str(2**63), "true", "null"]
BAD_IDS = ["123", '"not-a-uuid"', "1e400", f'"{uuid.uuid4()}\\u0000"']


def sort_columns(route: APIRoute) -> dict[str, Any]:
    """The list's `?sort=` names and their columns, read from the closure of its pagination
    dependency (`shared.pagination.pagination_dependency`)."""
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        if dependant.call is None or dependant.call.__module__ != "shared.pagination":
            continue
        functions = [dependant.call]
        while functions:
            nonlocals = inspect.getclosurevars(functions.pop()).nonlocals
            if "fields" in nonlocals:
                return dict(nonlocals["fields"])
            functions += [value for value in nonlocals.values() if inspect.isfunction(value)]
    return {}


def bad_values(column: Any) -> list[str]:
    python_type = column.type.python_type
    if issubclass(python_type, enum.Enum):
        return [*ANY_TYPE, '"garbage"', "1"]
    return [*ANY_TYPE, *BY_TYPE.get(python_type, [])]


async def test_every_list_refuses_every_cursor_it_did_not_write(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    failures = []
    checked = 0
    for route in get_routes(app):
        if "{" in route.path or "cursor" not in declared_query(route):
            continue  # nested lists answer 404 for the unknown parent first
        if (await client.get(route.path)).status_code != 200:
            continue  # needs a filter, or not readable with these roles
        for sort, column in sort_columns(route).items():
            for value in bad_values(column):
                checked += 1
                response = await client.get(
                    route.path, params={"sort": sort, "cursor": raw_cursor(sort, value)}
                )
                if response.status_code != 422 or problem_pointers(response) != [
                    ("/cursor", "query")
                ]:
                    failures.append(f"{route.path}?sort={sort} v={value}: {response.status_code}")
        # Unsorted lists page by id (a UUID, or the audit trail's integer `seq`, newest first).
        for sort, ids in (("id", BAD_IDS), ("-seq", BAD_SEQS)):
            for id_value in ids:
                checked += 1
                response = await client.get(
                    route.path, params={"cursor": raw_cursor(sort, id_value, id_value)}
                )
                if response.status_code != 422:
                    failures.append(f"{route.path} s={sort} id={id_value}: {response.status_code}")
    assert checked > 50
    assert not failures, "\n".join(failures)


def declared_query(route: APIRoute) -> set[str]:
    return {field.alias for field in query_fields(route)}


@pytest.mark.parametrize(
    "after", ["-1", "1.5", "1e23", "²", "9223372036854775808", "9" * 19, "9" * 40, "0x10"]
)
async def test_feed_positions_are_bounded(
    all_apps: dict[str, FastAPI], tokens: TokenFactory, after: str
) -> None:
    async with api_client(all_apps["projects"], token=tokens("service")) as api:
        response = await api.get("/v1/events", params={"after": after})
        assert response.status_code == 422, response.text
        assert problem_pointers(response) == [("/after", "query")]


async def test_the_largest_feed_position_reads_an_empty_page(
    all_apps: dict[str, FastAPI], tokens: TokenFactory
) -> None:
    async with api_client(all_apps["projects"], token=tokens("service")) as api:
        top = await api.get("/v1/events", params={"after": str(2**63 - 1)})
    assert top.status_code == 200 and top.json()["items"] == []


@pytest.mark.parametrize(
    ("service", "path"),
    [("assessment", "/v1/frameworks/sources"), ("projects", "/v1/projects/adoption-milestones")],
)
async def test_a_catalogue_with_no_change_time_refuses_updated_since(
    all_apps: dict[str, FastAPI], tokens: TokenFactory, service: str, path: str
) -> None:
    """Seeded reference data has no `updated_at`: `updated_since` there used to be accepted and
    silently ignored (every row came back), which is what the convention forbids."""
    async with api_client(all_apps[service], token=tokens("governance")) as api:
        response = await api.get(path, params={"updated_since": "2999-01-01T00:00:00Z"})
        listed = await api.get(path)
    assert response.status_code == 422, response.text
    assert problem_pointers(response) == [("/updated_since", "query")]
    assert listed.status_code == 200 and listed.json()["items"]
    parameters = all_apps[service].openapi()["paths"][path]["get"].get("parameters", [])
    assert "updated_since" not in {parameter["name"] for parameter in parameters}


@pytest.fixture
async def clean_projects(all_apps: dict[str, FastAPI]) -> AsyncIterator[None]:
    """Other suites share the session apps and expect them empty: leave nothing behind."""
    yield
    await reset_database(all_apps["projects"].state.database, ProjectsBase.metadata)


@pytest.mark.usefixtures("clean_projects")
async def test_updated_since_on_the_audit_trail_means_written_since(
    all_apps: dict[str, FastAPI], tokens: TokenFactory
) -> None:
    """Audit entries never change, so `updated_since` is their time of writing (it was ignored)."""
    async with api_client(all_apps["projects"], token=tokens("admin")) as api:
        created = await api.post(
            "/v1/projects",
            json=project_body(title="Audited once"),
        )
        assert created.status_code == 201, created.text
        everything = await api.get("/v1/audit", params={"limit": 200})
        future = await api.get("/v1/audit", params={"updated_since": "2999-01-01T00:00:00Z"})
        past = await api.get(
            "/v1/audit", params={"updated_since": "1900-01-01T00:00:00Z", "limit": 200}
        )
    assert everything.status_code == future.status_code == past.status_code == 200
    assert everything.json()["items"]
    assert future.json()["items"] == []
    assert past.json()["items"] == everything.json()["items"]
