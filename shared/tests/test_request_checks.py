"""Request checks every process shares (issue #9 items 4, 8, 11, 15, 16): keyset cursors decode
only to their column's type, deep JSON is refused before anything recurses, unknown query names
and NUL are 422s naming the parameter, and a problem's `instance` is the caller's bounded path."""

from __future__ import annotations

import base64
import datetime as dt
import enum
import time
from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Enum as SAEnum,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
)
from starlette.requests import Request

from shared.app import add_outer_middleware, create_process_app
from shared.db import UTCDateTime
from shared.middleware import MAX_JSON_DEPTH, json_depth
from shared.pagination import InvalidCursor, _decode, _parse_value
from shared.parameters import AnyQueryParameters
from shared.problems import MAX_INSTANCE_CHARS, instance_of
from shared.settings import BaseProcessSettings


class Colour(enum.StrEnum):
    red = "red"
    blue = "blue"


_table = Table(
    "probe",
    MetaData(),
    Column("id", Uuid, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("day", Date, nullable=False),
    Column("title", String(200), nullable=False),
    Column("colour", SAEnum(Colour), nullable=False),
    Column("version", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
)
_columns = _table.c
UUID_TEXT = "0190e6c1-0000-7000-8000-000000000000"

# Per sort type: a value the cursor encoder writes, and values it never writes.
SORT_TYPES: dict[str, tuple[Any, list[Any]]] = {
    "at": (
        "2026-01-01T00:00:00Z",
        ["2026-01-01T00:00:00", "2026-01-01", 5, 1e400, True, ["x"], "a\x00", "garbage", None],
    ),
    "day": ("2026-01-01", ["2026-13-01", 20260101, 1.5, {"d": 1}, "a\x00", None]),
    "title": ("Zebra", [12, 1e23, True, ["Zebra"], "Ze\x00bra", "x" * 1001, None]),
    "colour": ("red", ["green", 1, True, ["red"], "red\x00", None]),
    "version": (3, ["3", 3.0, 1e23, 1e400, True, 2**31, -(2**31) - 1, 2**70, None]),
    "seq": (2**62, ["7", 7.5, True, 2**63, -(2**63) - 1, 10**30, None]),
    "id": (UUID_TEXT, [123, "not-a-uuid", [UUID_TEXT], UUID_TEXT + "\x00", None]),
}


@pytest.mark.parametrize("name", list(SORT_TYPES))
def test_cursor_values_decode_only_to_their_columns_type(name: str) -> None:
    good, bad = SORT_TYPES[name]
    _parse_value(_columns[name], good)
    for value in bad:
        with pytest.raises(InvalidCursor) as caught:
            _parse_value(_columns[name], value)
        errors = caught.value.errors
        assert errors is not None and errors[0].pointer == "/cursor", value
        assert errors[0].location == "query"


def test_cursor_datetimes_come_back_aware_utc() -> None:
    parsed = _parse_value(_columns["at"], "2026-01-01T02:00:00+02:00")
    assert parsed == dt.datetime(2026, 1, 1, tzinfo=dt.UTC) and parsed.tzinfo is dt.UTC


def _raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "text",
    [
        '{"s":"at","v":NaN,"id":"x"}',
        '{"s":"at","v":Infinity,"id":"x"}',
        "[" * 5000 + "]" * 5000,
        '{"s":"at","v":1,"id":"x"',
        "\xff",
    ],
)
def test_cursor_text_that_is_not_our_json_is_refused(text: str) -> None:
    with pytest.raises(InvalidCursor):
        _decode(_raw_cursor(text))


# --- request body depth --------------------------------------------------------------------


def test_json_depth_counts_structure_outside_strings() -> None:
    assert json_depth(b"[" * 65 + b"]" * 65) == 65
    assert json_depth(b"[" * 100_000 + b"]" * 100_000) == 100_000
    # Brackets inside strings, escaped quotes and escaped backslashes do not nest.
    inside = b'["' + b"[" * 100 + b'\\"' + b"{" * 100 + b'", "\\\\", "]]]"]'
    assert json_depth(inside) == 1
    wide = b"[" + b"[1]," * 10_000 + b"[1]]"
    assert json_depth(wide) == 2


def test_json_depth_is_linear_on_hostile_escapes() -> None:
    started = time.perf_counter()
    json_depth(b'"' + b'\\"[' * 300_000)
    json_depth(b'[\\"' * 300_000)
    assert time.perf_counter() - started < 1.0


class Filter(BaseModel):
    colour: str | None = None


def make_app() -> FastAPI:
    settings = BaseProcessSettings(log_json=False)
    app = create_process_app(
        name="probe", title="probe", description="", version="0", settings=settings, readiness=noop
    )

    @app.post("/v1/echo")
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return {"keys": list(body)}

    @app.get("/v1/things")
    async def list_things(
        q: Annotated[str | None, Query(max_length=200)] = None,
        status_: Annotated[str | None, Query(alias="status")] = None,
        tag: Annotated[list[str] | None, Query()] = None,
    ) -> dict[str, Any]:
        return {"q": q, "status": status_, "tag": tag}

    @app.get("/v1/things/{code}")
    async def get_thing(code: str) -> dict[str, str]:
        return {"code": code}

    @app.get("/v1/filtered")
    async def filtered(f: Annotated[Filter, Query()]) -> dict[str, Any]:
        return f.model_dump()

    @app.get("/v1/anything", dependencies=[AnyQueryParameters])
    async def anything(request: Request) -> dict[str, Any]:
        return dict(request.query_params)

    add_outer_middleware(app, name="probe", settings=settings)
    return app


async def noop(_: object) -> dict[str, str]:
    return {}


@pytest.fixture(scope="module")
def app() -> FastAPI:
    return make_app()


@pytest.fixture
async def client(app: FastAPI) -> Any:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
        yield api


def nested(depth: int, leaf: str) -> str:
    return '{"a":' + "[" * depth + leaf + "]" * depth + "}"


@pytest.mark.parametrize("leaf", ["1", '"\\u0000"', '"\\ud800"'])
async def test_a_body_nested_100000_deep_is_a_quick_422(
    client: httpx.AsyncClient, leaf: str
) -> None:
    started = time.perf_counter()
    response = await client.post(
        "/v1/echo", content=nested(100_000, leaf), headers={"Content-Type": "application/json"}
    )
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "nests more than" in response.json()["detail"]


async def test_nesting_up_to_the_limit_passes_and_nul_there_is_found(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Content-Type": "application/json"}
    ok = await client.post("/v1/echo", content=nested(MAX_JSON_DEPTH - 1, "1"), headers=headers)
    assert ok.status_code == 200, ok.text
    nul = await client.post(
        "/v1/echo", content=nested(MAX_JSON_DEPTH - 1, '"\\u0000"'), headers=headers
    )
    assert nul.status_code == 422
    pointer = nul.json()["errors"][0]["pointer"]
    assert pointer == "/a" + "/0" * (MAX_JSON_DEPTH - 1)


# --- query and path parameters -------------------------------------------------------------


async def test_unknown_query_parameters_are_422_naming_each(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/things?q=x&as_of=2026-01-01&updated_sinse=1&status=a")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("/unknown-query-parameter")
    assert [(e["pointer"], e["location"]) for e in body["errors"]] == [
        ("/as_of", "query"),
        ("/updated_sinse", "query"),
    ]


async def test_declared_aliases_lists_models_and_underscores_pass(
    client: httpx.AsyncClient,
) -> None:
    ok = await client.get("/v1/things?q=x&status=a&tag=1&tag=2&_=1700000000&_cache=1")
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"q": "x", "status": "a", "tag": ["1", "2"]}
    # The Python name of an aliased parameter is not a query name.
    assert (await client.get("/v1/things?status_=a")).status_code == 422
    assert (await client.get("/v1/filtered?colour=red")).status_code == 200
    assert (await client.get("/v1/filtered?color=red")).status_code == 422
    assert (await client.get("/v1/anything?whatever=1")).json() == {"whatever": "1"}
    # The app's own routes are checked too.
    assert (await client.get("/healthz?verbose=1")).status_code == 422


async def test_an_unknown_name_is_echoed_bounded(client: httpx.AsyncClient) -> None:
    names = "&".join(f"{'n' * 3000}{i}=1" for i in range(12))
    response = await client.get(f"/v1/things?{names}")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert len(errors) == 10 and all(len(e["pointer"]) < 70 for e in errors)
    assert len(response.text) < 2500


@pytest.mark.parametrize(
    ("query", "name"), [("q=a%00b", "q"), ("status=%00", "status"), ("tag=ok&tag=a%00", "tag")]
)
async def test_nul_in_a_query_value_is_422_naming_it(
    client: httpx.AsyncClient, query: str, name: str
) -> None:
    response = await client.get(f"/v1/things?{query}")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["type"].endswith("/unstorable-parameter")
    assert body["errors"] == [
        {"pointer": f"/{name}", "location": "query", "detail": "Text holds NUL."}
    ]
    # An ignored `_` parameter is ignored whatever it holds.
    assert (await client.get("/v1/things?_cache=%00")).status_code == 200


async def test_nul_in_a_path_value_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/things/a%00b")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0] == {
        "pointer": "/code",
        "location": "path",
        "detail": "Text holds NUL.",
    }


# --- instance ------------------------------------------------------------------------------


async def test_instance_is_the_callers_bounded_path(client: httpx.AsyncClient) -> None:
    long_code = "x" * 5000
    response = await client.get(f"/v1/things/{long_code}?bogus=1")
    assert response.status_code == 422
    assert "instance" not in response.json()
    assert long_code not in response.text
    behind = await client.get("/v1/things?bogus=1", headers={"X-Forwarded-Prefix": "/api"})
    assert behind.json()["instance"] == "/api/v1/things"
    odd = await client.get("/v1/things/a%20b%3Cc?bogus=1", headers={"X-Forwarded-Prefix": "/api"})
    assert odd.json()["instance"] == "/api/v1/things/a%20b%3Cc"


def scope_request(path: str, prefix: str | None = None) -> Request:
    headers = [(b"x-forwarded-prefix", prefix.encode())] if prefix is not None else []
    return Request({"type": "http", "path": path, "headers": headers, "query_string": b""})


@pytest.mark.parametrize(
    ("path", "prefix", "expected"),
    [
        ("/v1/projects", "/api", "/api/v1/projects"),
        ("/v1/projects", None, "/v1/projects"),
        ("/v1/projects", "api", "/v1/projects"),
        ("/v1/projects", "/a b", "/v1/projects"),
        ("/v1/projects", "https://evil.example", "/v1/projects"),
        ("/v1/projects", "/" + "p" * 40, "/v1/projects"),
        ("/v1/x\x00y", "/api", "/api/v1/x%00y"),
        ("/v1/" + "x" * MAX_INSTANCE_CHARS, None, None),
    ],
)
def test_instance_of(path: str, prefix: str | None, expected: str | None) -> None:
    assert instance_of(scope_request(path, prefix)) == expected
