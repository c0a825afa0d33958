"""The proxy's header rules and the OpenAPI merge as pure functions (no sockets)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.headers import (
    downstream_response_headers,
    forwarded_element,
    rewrite_link,
    rewrite_location,
    upstream_request_headers,
)
from gateway.main import create_app
from gateway.openapi import merge_documents
from gateway.routes_table import EXPORT_DATASETS, ROUTES, collection_of, owner_of
from gateway.settings import Settings


def test_routing_table_matches_the_conventions() -> None:
    assert owner_of("projects") == "projects"
    assert {owner_of(c) for c in ("frameworks", "assessments", "decisions", "evaluation")} == {
        "assessment"
    }
    assert {
        owner_of(c) for c in ("stakeholders", "organisations", "engagements", "involvement")
    } == {"stakeholders"}
    assert owner_of("reports") == "reporting"
    assert owner_of("exports") == "reporting"  # the dictionary and the bundle
    assert EXPORT_DATASETS["stage_changes"] == "projects"  # a dataset: its owner streams it
    assert not {"events", "audit"} & set(ROUTES)
    assert collection_of("/v1/projects/1/team") == "projects"
    assert collection_of("/healthz") is None


def test_hop_by_hop_and_listed_headers_are_dropped() -> None:
    raw = [
        (b"host", b"api.example.org"),
        (b"connection", b"keep-alive, X-Secret-Hop"),
        (b"connection", b"upgrade"),
        (b"x-secret-hop", b"1"),
        (b"keep-alive", b"300"),
        (b"te", b"trailers"),
        (b"trailer", b"expires"),
        (b"transfer-encoding", b"chunked"),
        (b"upgrade", b"websocket"),
        (b"proxy-authorization", b"Basic x"),
        (b"proxy-connection", b"keep-alive"),
        (b"expect", b"100-continue"),
        (b"cookie", b"a=b"),
        (b"x-forwarded-host", b"evil"),
        (b"x-forwarded-prefix", b"/evil"),
        (b"authorization", b"Bearer t"),
        (b"accept", b"application/json"),
        (b"accept", b"text/plain"),
    ]
    headers = upstream_request_headers(
        raw, client=("10.1.2.3", 5555), scheme="https", request_id="rid", traceparent=None
    )
    assert headers == [
        ("authorization", "Bearer t"),
        ("accept", "application/json"),
        ("accept", "text/plain"),
        ("Via", "1.1 cmdi-gateway"),
        ("Forwarded", "for=10.1.2.3;proto=https;host=api.example.org"),
        ("X-Forwarded-Prefix", "/api"),
        ("X-Request-ID", "rid"),
    ]


@pytest.mark.parametrize(
    ("client", "host", "expected"),
    [
        (("192.0.2.60", 1), "example.com", "for=192.0.2.60;proto=http;host=example.com"),
        (
            ("2001:db8::17", 1),
            "example.com:8000",
            'for="[2001:db8::17]";proto=http;host="example.com:8000"',
        ),
        (None, None, "for=unknown;proto=http"),
        (("192.0.2.60", 1), 'we"ird', 'for=192.0.2.60;proto=http;host="we\\"ird"'),
    ],
)
def test_forwarded_follows_rfc_7239(
    client: tuple[str, int] | None, host: str | None, expected: str
) -> None:
    assert forwarded_element(client, "http", host) == expected


def test_response_rewrites() -> None:
    assert rewrite_location(b"/v1/projects/1") == b"/api/v1/projects/1"
    assert (
        rewrite_location(b"http://127.0.0.1:8001/v1/projects", b"http://127.0.0.1:8001")
        == b"/api/v1/projects"
    )
    assert (
        rewrite_location(b"https://elsewhere.example/v1/x", b"http://127.0.0.1:8001")
        == b"https://elsewhere.example/v1/x"
    )
    assert rewrite_location(b"/v10/x") == b"/v10/x"
    assert rewrite_link(b'</v1/a?cursor=x>; rel="next", </v1/b>; rel="prev"') == (
        b'</api/v1/a?cursor=x>; rel="next", </api/v1/b>; rel="prev"'
    )
    headers = downstream_response_headers(
        [
            (b"Content-Type", b"application/json"),
            (b"Connection", b"X-Hop"),
            (b"X-Hop", b"1"),
            (b"Transfer-Encoding", b"chunked"),
            (b"Set-Cookie", b"a=b"),
            (b"Set-Cookie", b"c=d"),
            (b"Server", b"uvicorn"),
            (b"Location", b"/v1/x"),
        ]
    )
    assert headers == [(b"content-type", b"application/json"), (b"location", b"/api/v1/x")]


def _document(paths: dict[str, Any], schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}


def _get(operation_id: str, schema: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "responses": {
                "200": {
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
                    }
                }
            },
        }
    }


def test_merge_prefixes_conflicting_schemas_and_operation_ids() -> None:
    shared_thing = {"type": "object", "properties": {"id": {"type": "string"}}}
    projects = _document(
        {
            "/v1/projects": _get("list_things", "Page"),
            "/v1/events": _get("list_events", "EventFeed"),  # platform route: dropped
            "/v1/organisations": _get("sneaky", "Page"),  # not this service's collection: dropped
        },
        {
            "Page": {
                "type": "object",
                "properties": {"items": {"$ref": "#/components/schemas/Thing"}},
            },
            "Thing": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "Same": shared_thing,
            "EventFeed": {"type": "object"},
        },
    )
    stakeholders = _document(
        {"/v1/organisations": _get("list_things", "Page")},
        {
            # Textually identical `Page`, but its `Thing` differs, so `Page` must be renamed too.
            "Page": {
                "type": "object",
                "properties": {"items": {"$ref": "#/components/schemas/Thing"}},
            },
            "Thing": {"type": "object", "properties": {"id": {"type": "string"}}},
            "Same": shared_thing,
        },
    )
    merged = merge_documents(
        {"projects": projects, "stakeholders": stakeholders}, title="T", version="1", unavailable=[]
    )

    assert set(merged["paths"]) == {"/api/v1/projects", "/api/v1/organisations"}
    schemas = merged["components"]["schemas"]
    assert {
        "Page",
        "Thing",
        "Stakeholders_Page",
        "Stakeholders_Thing",
        "Problem",
        "FieldError",
    } <= set(schemas)
    assert "EventFeed" not in schemas
    assert "Same" not in schemas  # unreachable from any included operation
    assert (
        schemas["Stakeholders_Page"]["properties"]["items"]["$ref"]
        == "#/components/schemas/Stakeholders_Thing"
    )
    organisations = merged["paths"]["/api/v1/organisations"]["get"]
    assert organisations["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/Stakeholders_Page"
    )
    assert organisations["operationId"] == "stakeholders_list_things"
    assert merged["info"]["x-operation-id-conflicts"] == ["list_things (projects, stakeholders)"]
    assert set(organisations["responses"]) >= {"502", "503", "504"}
    # The inputs are left as they were.
    assert stakeholders["paths"]["/v1/organisations"]["get"]["operationId"] == "list_things"


def test_merge_keeps_one_copy_of_identical_schemas() -> None:
    same = {"type": "string", "enum": ["a", "b"]}
    first = _document({"/v1/projects": _get("a", "Kind")}, {"Kind": same})
    second = _document({"/v1/frameworks": _get("b", "Kind")}, {"Kind": dict(same)})
    merged = merge_documents(
        {"projects": first, "assessment": second}, title="T", version="1", unavailable=[]
    )
    assert [name for name in merged["components"]["schemas"] if name.endswith("Kind")] == ["Kind"]


def test_gateway_refuses_to_start_without_every_service_url() -> None:
    with pytest.raises(RuntimeError, match="assessment"):
        create_app(
            Settings(
                service_urls={"projects": "http://a", "stakeholders": "http://b"}, log_json=False
            )
        )
