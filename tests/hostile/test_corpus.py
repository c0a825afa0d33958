"""The hostile-input corpus (#9): hostile requests against every operation of every service, and
a few through the gateway. For each: never a 5xx; a 4xx is an `application/problem+json` whose
`status` is the response's; where the input is legitimately acceptable a 2xx is fine too; and a
rejected write changes nothing (the service's change feed has no new event).

Operations come from the committed OpenAPI snapshots (openapi/*.json; the contract test keeps them
equal to the apps), every `/v1/` operation (the probes `/healthz`, `/readyz`, `/metrics` are not
the API). Path parameters point at records of the demo dataset where one exists (loaded through
the API once per session, `seeded_ids`), so hostile bodies reach the routes' own rules rather than
stopping at a parent's 404; other path parameters are unknown UUIDs.

Cost: the cheap cases (a query parameter, a small body) run against every applicable operation.
The expensive ones (1 MB strings, 11 MB bodies, 100,000-deep nesting) cost in transfer and
parsing, which happen in the shared middleware and FastAPI's body reading before any route code,
the same path for every operation; they run against a representative subset instead: each
service's collection POSTs and a PATCH of a real record (`EXPENSIVE_OPERATIONS`).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("projects", "assessment", "stakeholders")
DOCUMENTS: dict[str, dict[str, Any]] = {
    name: json.loads((ROOT / "openapi" / f"{name}.json").read_text()) for name in SERVICES
}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ELEVEN_MB = 11 * 1024 * 1024
ONE_MB = 1_000_000
DEPTH = 100_000

Expect = Literal["4xx", "any"]


# -- operations ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    spec: dict[str, Any] = dataclasses.field(compare=False, hash=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.service} {self.method} {self.path}"

    def parameters(self, location: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == location]

    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        return resolve(self.service, media["schema"]) if media else None


def operations() -> list[Operation]:
    found = []
    for service, document in DOCUMENTS.items():
        for path, methods in document["paths"].items():
            if not path.startswith("/v1/"):
                continue
            for method, spec in methods.items():
                if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                    found.append(Operation(service, method.upper(), path, spec))
    return found


OPERATIONS = operations()


def resolve(service: str, schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = DOCUMENTS[service]["components"]["schemas"][name]
    return schema


def _options(service: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The first non-null alternative of an anyOf/oneOf (Optional[...] fields)."""
    schema = resolve(service, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            for option in schema[key]:
                option = resolve(service, option)
                if option.get("type") != "null":
                    return _options(service, option)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _options(service, schema["allOf"][0])
    return schema


def example(service: str, schema: dict[str, Any], depth: int = 0) -> Any:
    """A small value of `schema`'s shape: required properties only, minimum sizes."""
    schema = _options(service, schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 6:
            return {}
        properties = schema.get("properties", {})
        return {
            name: example(service, properties[name], depth + 1)
            for name in schema.get("required", [])
            if name in properties
        }
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [example(service, schema.get("items", {}), depth + 1) for _ in range(count)]
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date":
            return "2026-01-15"
        if fmt == "date-time":
            return "2026-01-15T10:00:00Z"
        if fmt == "email":
            return "someone@example.org"
        if fmt in ("uri", "url"):
            return "https://example.org/"
        return "x" * max(int(schema.get("minLength", 1)), 1)
    if kind in ("integer", "number"):
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "boolean":
        return False
    return "x"


def first_field(operation: Operation, predicate: Callable[[dict[str, Any]], bool]) -> str | None:
    """The first top-level body property whose (non-null) schema satisfies `predicate`."""
    schema = operation.body_schema()
    if schema is None:
        return None
    for name, field in schema.get("properties", {}).items():
        if predicate(_options(operation.service, field)):
            return str(name)
    return None


def is_text(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and "format" not in schema and "enum" not in schema


def is_number(schema: dict[str, Any]) -> bool:
    return schema.get("type") in ("integer", "number")


def is_datetime(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and schema.get("format") == "date-time"


# -- requests --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Hostile:
    """One request of the corpus, and what is acceptable in return."""

    operation: Operation
    case: str
    expect: Expect = "4xx"
    query: str = ""  # raw, already encoded
    path_values: dict[str, str] | None = None  # raw, already encoded
    content: bytes | None = None
    json_body: Any = None  # a JSON value to serialise, or a raw JSON text in `content`

    @property
    def id(self) -> str:
        return f"{self.case}-{self.operation.label}"

    def url(self, ids: dict[str, str]) -> str:
        overrides = self.path_values or {}

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in overrides:
                return overrides[name]
            parameter = next(
                (p for p in self.operation.parameters("path") if p["name"] == name), None
            )
            schema = _options(self.operation.service, parameter["schema"]) if parameter else {}
            if schema.get("format") == "uuid":
                return ids.get(name) or str(uuid.uuid4())
            if "enum" in schema:
                return quote(str(schema["enum"][0]))
            return "sample"

        path = re.sub(r"\{(\w+)\}", value, self.operation.path)
        return f"{path}?{self.query}" if self.query else path

    def body(self) -> bytes | None:
        if self.content is not None:
            return self.content
        if self.json_body is not None:
            return json.dumps(self.json_body).encode()
        if self.operation.body_schema() is not None:
            return json.dumps(
                example(self.operation.service, self.operation.body_schema() or {})
            ).encode()
        return None


def _with_body_field(
    operation: Operation, field: str, raw_value: str, case: str, expect: Expect = "4xx"
) -> Hostile:
    """A minimal body of the operation's shape with `field` set to a raw JSON `raw_value` (raw,
    so that 1e400, 2**64 and lone surrogate escapes reach the server as written)."""
    body = example(operation.service, operation.body_schema() or {})
    body[field] = "__HOSTILE__"
    text = json.dumps(body).replace('"__HOSTILE__"', raw_value)
    return Hostile(operation, case, expect, content=text.encode())


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


LIMITS = ("0", "-1", "201", str(10**30), "abc")
CURSORS = (
    "garbage",
    "x" * 5000,
    _b64('{"projects":1e400}'),
    _b64('{"projects":1e23}'),
    "%25%25%25",
    "%ED%A0%80",  # a lone surrogate, UTF-8 encoded: not valid UTF-8
    str(2**64),
)
DATETIMES: tuple[tuple[str, Expect], ...] = (
    ("2026-01-01T00:00:00", "4xx"),  # naive: which clock?
    ("9999-12-31T23:59:59-14:00", "any"),  # valid, beyond datetime.max in UTC
    ("0001-01-01T00:00:00+14:00", "any"),  # valid, before datetime.min in UTC
    ("10000-01-01T00:00:00Z", "4xx"),
)
DATES: tuple[tuple[str, Expect], ...] = (("0000-01-01", "4xx"), ("9999-12-31", "any"))
BODY_DATETIMES: tuple[tuple[str, Expect], ...] = (
    ('"2026-01-01T00:00:00"', "4xx"),
    ('"9999-12-31T23:59:59-14:00"', "any"),
    ('"0001-01-01T00:00:00+14:00"', "any"),
)


def cheap_cases(operation: Operation) -> Iterator[Hostile]:
    yield Hostile(operation, "unknown-query", query="h6_unknown_parameter=1")
    path_parameters = operation.parameters("path")
    if path_parameters:
        names = [p["name"] for p in path_parameters]
        yield Hostile(operation, "id-5000", path_values=dict.fromkeys(names, "9" * 5000))
        yield Hostile(operation, "id-nul", path_values=dict.fromkeys(names, "a%00b"))
    for parameter in operation.parameters("query"):
        name = parameter["name"]
        schema = _options(operation.service, parameter["schema"])
        yield Hostile(operation, f"nul-query-{name}", query=f"{name}=a%00b")
        if name == "limit":
            for value in LIMITS:
                yield Hostile(operation, f"limit-{value[:12]}", query=f"limit={quote(value)}")
        if name in ("cursor", "after"):
            for index, value in enumerate(CURSORS):
                yield Hostile(operation, f"{name}-garbage-{index}", query=f"{name}={value}")
        if schema.get("format") == "date-time":
            for value, expect in DATETIMES:
                yield Hostile(
                    operation, f"datetime-{name}-{value}", expect, query=f"{name}={quote(value)}"
                )
        if schema.get("format") == "date":
            for value, expect in DATES:
                yield Hostile(operation, f"date-{name}-{value}", expect, query=f"{name}={value}")
    if operation.body_schema() is None:
        return
    yield Hostile(operation, "malformed-json", content=b'{"title": ')
    yield Hostile(operation, "raw-nul-json", content=b'{"title": "a\x00b"}')
    yield Hostile(operation, "not-an-object", content=b"[]")
    text = first_field(operation, is_text)
    if text is not None:
        yield _with_body_field(operation, text, '"\\ud800"', "lone-surrogate")
        yield _with_body_field(operation, text, '"a\\u0000b"', "escaped-nul")
    number = first_field(operation, is_number)
    if number is not None:
        yield _with_body_field(operation, number, "1e400", "number-1e400")
        yield _with_body_field(operation, number, str(2**64), "number-2**64")
    moment = first_field(operation, is_datetime)
    if moment is not None:
        for value, expect in BODY_DATETIMES:
            yield _with_body_field(operation, moment, value, f"body-datetime-{value}", expect)


EXPENSIVE_OPERATIONS = {
    ("projects", "POST", "/v1/projects"),
    ("projects", "PATCH", "/v1/projects/{project_id}"),
    ("projects", "POST", "/v1/projects/{project_id}/milestones"),
    ("assessment", "POST", "/v1/frameworks"),
    ("assessment", "POST", "/v1/assessments"),
    ("assessment", "PATCH", "/v1/frameworks/{framework_id}"),
    ("stakeholders", "POST", "/v1/stakeholders"),
    ("stakeholders", "POST", "/v1/organisations"),
    ("stakeholders", "PATCH", "/v1/stakeholders/{stakeholder_id}"),
}


def nested(depth: int) -> bytes:
    return b'{"title": ' + b"[" * depth + b'"\\u0000"' + b"]" * depth + b"}"


def expensive_cases(operation: Operation) -> Iterator[Hostile]:
    if (operation.service, operation.method, operation.path) not in EXPENSIVE_OPERATIONS:
        return
    yield Hostile(operation, "body-11MB", content=b'{"title": "' + b"x" * ELEVEN_MB + b'"}')
    yield Hostile(operation, f"nesting-{DEPTH}", content=nested(DEPTH))
    text = first_field(operation, is_text)
    if text is not None:
        yield _with_body_field(operation, text, json.dumps("x" * ONE_MB), "string-1MB")


CASES = [case for op in OPERATIONS for make in (cheap_cases, expensive_cases) for case in make(op)]


# -- the checks ------------------------------------------------------------------------------


# The last feed position seen per service: every write case checks the feed from there, so the
# feed is read in full only once per session.
_POSITIONS: dict[str, str] = {}


async def feed_position(service: str, client: httpx.AsyncClient) -> str:
    """The service's feed position now (events written by the setup or by an accepted case are
    skipped here, so each case sees only its own)."""
    position = _POSITIONS.get(service, "")
    for _ in range(1000):
        response = await client.get("/v1/events", params={"after": position, "limit": 200})
        assert response.status_code == 200, response.text
        page = response.json()
        position = str(page["next_cursor"])
        if not page["has_more"]:
            _POSITIONS[service] = position
            return position
    raise AssertionError("the change feed did not end")


def check_answer(response: httpx.Response, expect: Expect, what: str) -> None:
    status = response.status_code
    assert status < 500, f"{what}: {status} {response.text[:500]}"
    if expect == "4xx":
        assert 400 <= status < 500, f"{what}: expected a 4xx, got {status} {response.text[:300]}"
    if status >= 400:
        assert response.headers.get("content-type") == "application/problem+json", (
            f"{what}: {status} as {response.headers.get('content-type')}: {response.text[:300]}"
        )
        assert response.json()["status"] == status, f"{what}: {response.text[:300]}"


async def send(client: httpx.AsyncClient, hostile: Hostile, ids: dict[str, str]) -> httpx.Response:
    body = hostile.body()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return await client.request(
        hostile.operation.method, hostile.url(ids), content=body, headers=headers
    )


@pytest.mark.parametrize("hostile", CASES, ids=[c.id for c in CASES])
async def test_hostile_input(
    hostile: Hostile,
    admin_clients: dict[str, httpx.AsyncClient],
    seeded_ids: dict[str, str],
) -> None:
    client = admin_clients[hostile.operation.service]
    writes = hostile.operation.method in WRITE_METHODS
    service = hostile.operation.service
    before = await feed_position(service, client) if writes else ""
    response = await send(client, hostile, seeded_ids)
    check_answer(response, hostile.expect, hostile.id)
    if writes and response.status_code >= 400:
        after = await client.get("/v1/events", params={"after": before, "limit": 10})
        written = [item["type"] for item in after.json()["items"]]
        assert not written, (
            f"{hostile.id}: rejected with {response.status_code} but wrote {written}"
        )


# -- through the gateway ---------------------------------------------------------------------

GATEWAY_CASES: list[tuple[str, str, str, bytes | None, Expect]] = [
    ("malformed-json", "POST", "/api/v1/projects", b'{"title": ', "4xx"),
    ("body-11MB", "POST", "/api/v1/projects", b'{"t": "' + b"x" * ELEVEN_MB + b'"}', "4xx"),
    ("nesting", "POST", "/api/v1/stakeholders", nested(DEPTH), "4xx"),
    ("lone-surrogate", "POST", "/api/v1/organisations", b'{"name": "\\ud800"}', "4xx"),
    ("nul-query", "GET", "/api/v1/projects?q=a%00b", None, "4xx"),
    ("limit", "GET", f"/api/v1/frameworks?limit={10**30}", None, "4xx"),
    ("cursor", "GET", "/api/v1/stakeholders?cursor=garbage", None, "4xx"),
    ("events-1e400", "GET", "/api/v1/events?after=" + _b64('{"projects":1e400}'), None, "4xx"),
    ("events-1e23", "GET", "/api/v1/events?after=" + _b64('{"projects":1e23}'), None, "4xx"),
    ("events-garbage", "GET", "/api/v1/events?after=%ED%A0%80", None, "4xx"),
    ("unknown-query", "GET", "/api/v1/assessments?h6_unknown_parameter=1", None, "4xx"),
    ("id-5000", "GET", f"/api/v1/projects/{'9' * 5000}", None, "4xx"),
    ("key-people-patch", "PATCH", "/api/v1/projects/key-people", b"{}", "4xx"),
]


@pytest.mark.parametrize(
    ("case", "method", "target", "content", "expect"),
    GATEWAY_CASES,
    ids=[c[0] for c in GATEWAY_CASES],
)
async def test_hostile_input_through_the_gateway(
    case: str,
    method: str,
    target: str,
    content: bytes | None,
    expect: Expect,
    gateway_client: httpx.AsyncClient,
) -> None:
    headers = {"Content-Type": "application/json"} if content is not None else {}
    response = await gateway_client.request(method, target, content=content, headers=headers)
    check_answer(response, expect, f"gateway {case}")
    if case == "body-11MB":
        assert response.status_code == 413
    if case == "key-people-patch":
        assert response.status_code == 405
        assert response.headers["allow"] == "GET"


@pytest.mark.parametrize("service", SERVICES)
async def test_an_11MB_body_is_413_at_the_service(
    service: str, admin_clients: dict[str, httpx.AsyncClient]
) -> None:
    path = {"projects": "/v1/projects", "assessment": "/v1/frameworks"}.get(
        service, "/v1/stakeholders"
    )
    response = await admin_clients[service].post(
        path,
        content=b"[" + b"0," * (ELEVEN_MB // 2) + b"0]",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
