"""The request schemas say exactly what the server accepts (issue #9 item 14): a value the
OpenAPI document allows for a field is never refused by that field's validation.

Schemathesis found four gaps, each from a shared type: decimal digits and places enforced but
not documented, integral floats (`1969.0`, an integer to JSON Schema) refused, texts stripped
before `minLength: 1` (so `" "` passed the schema and failed the server) and bounds on optional
integers documented as unknown `ge`/`le` keys. These probes check every field of every request
model against its own JSON schema, so a new field with the same gap fails here, not in the gate.
"""

from __future__ import annotations

import decimal
import warnings
from collections.abc import Iterator
from typing import Annotated, Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic.warnings import UnsupportedFieldAttributeWarning

from shared.testing import TokenFactory, api_client, project_body
from shared.types import InputModel, NumberOnly

# Values a generator reaches for: blanks of every kind (what `strip_whitespace` removes and what
# it keeps), integral floats, decimals on and off a cent grid, evidence levels around 1-5.
TEXTS: tuple[str, ...] = (" ", "\u3000", "\u0085", "\u00a0", "\ufeff", "\x1c", "a", " a ", "")
NUMBERS: tuple[float | int, ...] = (
    1969.0,
    3.0,
    1.0,
    5.0,
    0,
    6,
    -1,
    0.5,
    0.57,
    0.01,
    0.005,
    1e-7,
    999999999999.99,
    1e12,
    9999999999999.99,
    1e13,
    2147483647.0,
    2147483648.0,
)
PROBES: tuple[Any, ...] = (
    *TEXTS,
    *NUMBERS,
    *([text] for text in TEXTS),
    *([number] for number in NUMBERS),
)
PYDANTIC_KEYS = frozenset(
    {"ge", "gt", "le", "lt", "min_length", "max_length", "max_digits", "decimal_places"}
)


def _all_subclasses(cls: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _request_fields() -> Iterator[tuple[str, TypeAdapter[Any]]]:
    """Every field of every request model (nested documents included) as its own validator."""
    for model in _all_subclasses(InputModel):
        for name, field in model.model_fields.items():
            # The field alone: its type with its own constraints (`FieldInfo` as metadata).
            annotated: Any = Annotated[field.annotation, field]
            with warnings.catch_warnings():
                # A field's alias (`from`) names it in its model; on the value alone it means
                # nothing, and pydantic says so.
                warnings.simplefilter("ignore", UnsupportedFieldAttributeWarning)
                adapter: TypeAdapter[Any] = TypeAdapter(annotated)
            yield f"{model.__module__}.{model.__name__}.{name}", adapter


def _accepts(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def test_every_value_a_request_schema_allows_is_accepted(all_apps: dict[str, FastAPI]) -> None:
    # `all_apps` imports every service, so every request model is defined.
    assert all_apps
    refused: list[str] = []
    checked = 0
    for where, adapter in _request_fields():
        validator = jsonschema_rs.validator_for(adapter.json_schema(), validate_formats=True)
        for value in PROBES:
            if validator.is_valid(value):
                checked += 1
                if not _accepts(adapter, value):
                    refused.append(f"{where} = {value!r}")
    assert checked > 500, checked
    assert not refused, refused


def test_no_request_schema_carries_a_constraint_json_schema_ignores(
    all_apps: dict[str, FastAPI],
) -> None:
    # pydantic writes a constraint it cannot place (e.g. `Field(ge=1)` on `int | None` over a
    # validator function) under its own name, which no client reads: the schema must use
    # `minimum`/`maximum`/`minLength`.
    found: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if not where.endswith(".properties"):
                found.extend(f"{where}.{key}" for key in PYDANTIC_KEYS & node.keys())
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}[{index}]")

    for service, app in all_apps.items():
        walk(app.openapi(), service)
    assert not found, found


def test_decimals_document_their_digits_and_places() -> None:
    Budget = Annotated[decimal.Decimal, Field(ge=0, max_digits=14, decimal_places=2), NumberOnly()]
    schema = TypeAdapter(Budget).json_schema()
    assert schema == {
        "type": "number",
        "minimum": 0.0,
        "maximum": 999999999999.99,
        "multipleOf": 0.01,
    }


def test_decimals_past_what_a_json_float_keeps_are_refused_at_definition() -> None:
    # 16 digits do not all survive the JSON float the body is parsed into, so no schema could
    # say exactly which such numbers the server takes.
    with pytest.raises(TypeError, match="15 digits"):
        TypeAdapter(Annotated[decimal.Decimal, Field(max_digits=16), NumberOnly()])


@pytest.mark.parametrize(
    ("value", "status"), [(3.0, 201), (1969.0, 201), (3.5, 422), ("3", 422), (True, 422)]
)
async def test_an_integral_float_is_that_integer(
    all_apps: dict[str, FastAPI], tokens: TokenFactory, value: Any, status: int
) -> None:
    project = project_body()
    client = api_client(all_apps["projects"], token=tokens("admin", "governance", sub="h8"))
    async with client:
        response = await client.post("/v1/projects", json=project)
        assert response.status_code == 201, response.text
        maps = f"/v1/projects/{response.json()['id']}/outcome-maps"
        response = await client.post(maps, json={"vision": "v", "mission": "m"})
        assert response.status_code == 201, response.text
        response = await client.post(
            f"{maps}/{response.json()['id']}/partners", json={"name": "ED team", "position": value}
        )
    assert response.status_code == status, response.text
    if status == 201:
        assert response.json()["position"] == int(value)
