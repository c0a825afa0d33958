"""Input types on real routes (issue #9 items 5, 6, 9, 14): datetimes must carry a UTC offset
and stay in range, integers fit their columns, JSON types are not coerced ("yes" is not a
boolean, a number is not a date), and a PATCH schema allows `null` only where it clears.

Every case is a 422 problem and never a 500; the schemas say what the server accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from shared.testing import TokenFactory, api_client, project_body
from shared.types import INT64_MAX, InputModel

SERVICES = ("projects", "assessment", "stakeholders")
SAMPLE_ID = "0190a5e2-3c4d-7e8f-9a0b-1c2d3e4f5a6b"
# Out of range once normalised to UTC (year 10000 and year 0), and naive.
EXTREMES = ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00")
NAIVE = "2026-01-31T09:30:00"


def _client(app: FastAPI, tokens: TokenFactory) -> httpx.AsyncClient:
    return api_client(app, token=tokens("admin", "governance", sub="h4-types"))


def _list_routes(app: FastAPI, parameter: str) -> Iterator[str]:
    """Every GET path of `app` whose OpenAPI document declares the query `parameter`."""
    for path, operations in app.openapi()["paths"].items():
        get = operations.get("get")
        if get and any(
            p["in"] == "query" and p["name"] == parameter for p in get.get("parameters", [])
        ):
            yield re.sub(r"\{\w+\}", SAMPLE_ID, path)


def _assert_422(response: httpx.Response, pointer: str | None = None) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if pointer is not None:
        assert pointer in {e["pointer"] for e in response.json()["errors"]}, response.text


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("value", [*EXTREMES, NAIVE])
async def test_updated_since_out_of_range_or_naive_on_every_list(
    all_apps: dict[str, FastAPI], tokens: TokenFactory, service: str, value: str
) -> None:
    app = all_apps[service]
    paths = list(_list_routes(app, "updated_since"))
    assert paths, "every service has lists"
    async with _client(app, tokens) as client:
        for path in paths:
            response = await client.get(path, params={"updated_since": value})
            # A nested list under an unknown parent may answer 404 first; never a 500.
            if SAMPLE_ID in path:
                assert response.status_code in (404, 422), (path, response.text)
            else:
                _assert_422(response, "/updated_since")


@pytest.mark.parametrize("service", SERVICES)
async def test_updated_since_at_the_bounds_is_served(
    all_apps: dict[str, FastAPI], tokens: TokenFactory, service: str
) -> None:
    app = all_apps[service]
    async with _client(app, tokens) as client:
        for path in _list_routes(app, "updated_since"):
            if SAMPLE_ID in path:
                continue
            if path.startswith("/v1/exports/"):
                # An export is a snapshot of now: a later `updated_since` is after its moment
                # (422, docs/conventions.md Exports); the lower bound is served, or refused by
                # a dataset that cannot honour `updated_since` at all, never a 500.
                late = await client.get(path, params={"updated_since": "9998-12-31T23:59:59Z"})
                _assert_422(late, "/updated_since")
                early = await client.get(path, params={"updated_since": "1900-01-01T00:00:00Z"})
                assert early.status_code == 200 or (
                    early.status_code == 422
                    and early.json()["type"].endswith("/updated-since-not-supported")
                ), (path, early.text)
                continue
            for value in ("9998-12-31T23:59:59Z", "1900-01-01T00:00:00+14:00"):
                response = await client.get(path, params={"updated_since": value})
                assert response.status_code == 200, (path, response.text)


QUERY_DATETIMES = [
    ("stakeholders", "/v1/engagements", "from"),
    ("stakeholders", "/v1/engagements", "to"),
    ("stakeholders", "/v1/stakeholders/map", "as_of"),
    ("stakeholders", "/v1/stakeholders/trends", "from"),
    ("assessment", "/v1/decisions/override-summary", "from"),
    ("assessment", "/v1/decisions/override-summary", "to"),
    *((service, "/v1/audit", "since") for service in SERVICES),
]


@pytest.mark.parametrize(("service", "path", "parameter"), QUERY_DATETIMES)
@pytest.mark.parametrize("value", [*EXTREMES, NAIVE, "1700000000"])
async def test_datetime_query_parameters_refuse_naive_and_out_of_range(
    all_apps: dict[str, FastAPI],
    tokens: TokenFactory,
    service: str,
    path: str,
    parameter: str,
    value: str,
) -> None:
    async with _client(all_apps[service], tokens) as client:
        response = await client.get(path, params={parameter: value})
    _assert_422(response, f"/{parameter}")


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("true", True), ("false", True), ("yes", False), ("1", False), ("on", False)],
)
async def test_boolean_query_parameters_take_true_or_false_only(
    all_apps: dict[str, FastAPI], tokens: TokenFactory, value: str, accepted: bool
) -> None:
    async with _client(all_apps["projects"], tokens) as client:
        response = await client.get("/v1/projects", params={"is_digital": value})
    if accepted:
        assert response.status_code == 200, response.text
    else:
        _assert_422(response, "/is_digital")


PROJECT = project_body()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("is_digital", "yes"),
        ("is_digital", 1),
        ("net_zero_relevant", "true"),
        ("start_date", 0),
        ("start_date", 1700000000),
        ("start_date", "2026-01-31T00:00:00"),
        ("start_date", "0001-01-01"),
        ("budget_gbp", "5"),
        ("budget_gbp", True),
        ("title", 1),
    ],
)
async def test_lax_json_is_refused_in_bodies(
    all_apps: dict[str, FastAPI], tokens: TokenFactory, field: str, value: Any
) -> None:
    async with _client(all_apps["projects"], tokens) as client:
        response = await client.post("/v1/projects", json={**PROJECT, field: value})
    _assert_422(response, f"/{field}")


async def test_proper_json_is_still_accepted(
    all_apps: dict[str, FastAPI], tokens: TokenFactory
) -> None:
    body = {
        **PROJECT,
        "is_digital": True,
        "start_date": "2026-01-31",
        "planned_end_date": "9999-12-31",
        "budget_gbp": 1250.5,
    }
    async with _client(all_apps["projects"], tokens) as client:
        response = await client.post("/v1/projects", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["budget_gbp"] == 1250.5


@pytest.mark.parametrize("value", [2**63, 2**31, -1, 1.5, "3", True])
async def test_integers_fit_their_columns(
    all_apps: dict[str, FastAPI], tokens: TokenFactory, value: Any
) -> None:
    async with _client(all_apps["projects"], tokens) as client:
        project = (await client.post("/v1/projects", json=PROJECT)).json()
        response = await client.post(
            f"/v1/projects/{project['id']}/outcome-maps", json={"vision": "v", "mission": "m"}
        )
        assert response.status_code == 201, response.text
        base = f"/v1/projects/{project['id']}/outcome-maps/{response.json()['id']}/partners"
        response = await client.post(base, json={"name": "ED nursing team", "position": value})
        _assert_422(response, "/position")
        response = await client.post(base, json={"name": "ED nursing team", "position": 2**31 - 1})
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("value", [*EXTREMES, NAIVE, 1700000000])
async def test_datetimes_in_bodies_need_an_offset_and_a_range(
    all_apps: dict[str, FastAPI], tokens: TokenFactory, value: Any
) -> None:
    async with _client(all_apps["stakeholders"], tokens) as client:
        stakeholder = await client.post(
            "/v1/stakeholders",
            json={"kind": "group", "display_name": "Age UK", "category": "community_group"},
        )
        assert stakeholder.status_code == 201, stakeholder.text
        response = await client.post(
            f"/v1/stakeholders/{stakeholder.json()['id']}/consents",
            json={
                "purpose": "contact_for_engagement",
                "lawful_basis": "consent",
                "information_version": "PIS v2.1",
                "method": "written",
                "given_at": value,
            },
        )
        _assert_422(response, "/given_at")
        engagement = await client.post(
            "/v1/engagements",
            json={
                "project_ids": [SAMPLE_ID],
                "title": "Co-design workshop",
                "type": "workshop",
                "iap2_level": "involve",
                "held_at": value,
                "mode": "in_person",
            },
        )
        _assert_422(engagement, "/held_at")


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


def _nullable(property_schema: dict[str, Any]) -> bool:
    return any(option.get("type") == "null" for option in property_schema.get("anyOf", []))


@pytest.mark.parametrize(
    ("service", "model", "never_null", "clearable"),
    [
        (
            "projects",
            "ProjectPatch",
            ["title", "is_digital", "tags"],
            ["directorate", "budget_gbp"],
        ),
        ("projects", "BoundaryPartnerPatch", ["name", "position"], []),
        ("projects", "BenefitPatch", ["title", "description"], []),
        (
            "projects",
            "EvaluationPlanItemPatch",
            ["evaluation_issue", "questions", "users_and_use", "methods", "conducted_by"],
            ["start_date", "cost_gbp"],
        ),
        ("assessment", "FrameworkPatch", ["gates_used", "domains"], ["description"]),
        ("assessment", "AdaptationPatch", ["kind", "decided_at"], ["review_at"]),
        ("stakeholders", "EngagementPatch", ["title", "held_at"], ["facilitator", "outputs"]),
        ("stakeholders", "StakeholderPatch", ["display_name", "status"], ["organisation_id"]),
    ],
)
def test_patch_schemas_allow_null_only_where_it_clears(
    all_apps: dict[str, FastAPI],
    service: str,
    model: str,
    never_null: list[str],
    clearable: list[str],
) -> None:
    properties = _schema(all_apps[service].openapi(), model)["properties"]
    for name in never_null:
        assert not _nullable(properties[name]), (model, name, properties[name])
        assert "default" not in properties[name], (model, name)
    for name in clearable:
        assert _nullable(properties[name]), (model, name)


async def test_null_for_a_field_that_cannot_be_cleared_is_a_422(
    all_apps: dict[str, FastAPI], tokens: TokenFactory
) -> None:
    async with _client(all_apps["projects"], tokens) as client:
        project = (await client.post("/v1/projects", json=PROJECT)).json()
        for body in ({"title": None}, {"is_digital": None}, {"tags": None}):
            response = await client.patch(f"/v1/projects/{project['id']}", json=body)
            _assert_422(response, f"/{next(iter(body))}")
        response = await client.patch(f"/v1/projects/{project['id']}", json={"directorate": None})
        assert response.status_code == 200, response.text


def _all_subclasses(cls: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _lax_scalars(schema: dict[str, Any], path: str, definitions: dict[str, Any]) -> Iterator[str]:
    """Paths of `bool`/`int`/`float`/`date`/`datetime`/`decimal` validators that coerce."""
    kind = schema.get("type")
    if kind == "definitions":
        for definition in schema["definitions"]:
            definitions[definition["ref"]] = definition
        yield from _lax_scalars(schema["schema"], path, definitions)
        return
    if kind == "definition-ref":
        reference = definitions.get(schema["schema_ref"])
        if reference is not None and schema["schema_ref"] not in path:
            yield from _lax_scalars(reference, f"{path}<{schema['schema_ref']}>", definitions)
        return
    if kind in ("bool", "int", "float", "date", "datetime", "decimal") and not schema.get("strict"):
        yield f"{path}: {kind}"
        return
    if kind in ("function-before", "function-plain"):
        return  # our own parsers (UtcDateTime, Date, NumberOnly, ColumnRange) decide
    if kind == "model-fields":
        for name, field in schema["fields"].items():
            yield from _lax_scalars(field["schema"], f"{path}.{name}", definitions)
        return
    for key in ("schema", "items_schema", "values_schema", "keys_schema"):
        if isinstance(schema.get(key), dict):
            yield from _lax_scalars(schema[key], path, definitions)
    for choice in schema.get("choices", []):
        if isinstance(choice, dict):
            yield from _lax_scalars(choice, path, definitions)
        elif isinstance(choice, tuple):
            yield from _lax_scalars(choice[0], path, definitions)


def test_every_request_body_is_a_strict_input_model(all_apps: dict[str, FastAPI]) -> None:
    models = {model.__name__: model for model in _all_subclasses(InputModel)}
    lax: list[str] = []
    for service, app in all_apps.items():
        document = app.openapi()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                content = operation.get("requestBody", {}).get("content", {})
                for media in content.values():
                    schema = media["schema"]
                    options = [schema, *schema.get("anyOf", [])]
                    reference = next(o["$ref"] for o in options if "$ref" in o)
                    name = reference.rsplit("/", 1)[-1]
                    assert name in models, f"{service} {method} {path}: {name} is no InputModel"
                    core = models[name].__pydantic_core_schema__
                    lax.extend(_lax_scalars(dict(core), name, {}))
    assert not lax, sorted(set(lax))


def test_every_integer_in_a_request_schema_is_bounded(all_apps: dict[str, FastAPI]) -> None:
    unbounded = []
    for service, app in all_apps.items():
        schemas = app.openapi()["components"]["schemas"]

        def walk(node: Any, where: str) -> None:
            if isinstance(node, dict):
                if node.get("type") == "integer" and not (
                    "maximum" in node and node["maximum"] <= INT64_MAX and "minimum" in node
                ):
                    unbounded.append(where)
                for key, value in node.items():
                    walk(value, f"{where}.{key}")
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    walk(value, f"{where}[{index}]")

        for name, schema in schemas.items():
            if name in {model.__name__ for model in _all_subclasses(InputModel)}:
                walk(schema, f"{service}:{name}")
    assert not unbounded, unbounded


async def test_null_on_a_not_null_column_is_a_422_not_a_500(
    all_apps: dict[str, FastAPI], tokens: TokenFactory
) -> None:
    """Two PATCH fields documented as nullable reached a NOT NULL column (IntegrityError)."""
    async with _client(all_apps["projects"], tokens) as client:
        project = (await client.post("/v1/projects", json=PROJECT)).json()
        outcome_map = await client.post(
            f"/v1/projects/{project['id']}/outcome-maps", json={"vision": "v", "mission": "m"}
        )
        plan = f"/v1/projects/{project['id']}/outcome-maps/{outcome_map.json()['id']}"
        item = await client.post(f"{plan}/evaluation-plan", json={"evaluation_issue": "Uptake"})
        assert item.status_code == 201, item.text
        response = await client.patch(
            f"{plan}/evaluation-plan/{item.json()['id']}", json={"methods": None}
        )
        _assert_422(response, "/methods")
        benefit = await client.post(
            f"/v1/projects/{project['id']}/benefits",
            json={"kind": "cash_release", "title": "Beds", "unit": "GBP", "confidence": "low"},
        )
        assert benefit.status_code == 201, benefit.text
        response = await client.patch(
            f"/v1/projects/{project['id']}/benefits/{benefit.json()['id']}",
            json={"description": None},
        )
        _assert_422(response, "/description")
