"""The exports reporting composes, against fakes of the three services' exports: the merged
dictionary (`GET /v1/exports`), the 404 for an unknown dataset, and the bundle (zip streamed
with `datapackage.json` first, validated with frictionless, omissions listed, the caller's
token and query passed on, and a service failing mid-bundle cutting the zip off)."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import os
import uuid
import zipfile
from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import frictionless
import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import ClientDisconnect

from reporting_service.main import create_app
from reporting_service.settings import Settings
from shared.problems import PROBLEM_CONTENT_TYPE
from shared.testing import TokenFactory, api_client, assert_problem, bound_socket, serving

P1 = "0190a0b0-0000-7000-8000-000000000001"
P2 = "0190a0b0-0000-7000-8000-000000000002"
STAFF = ["admin", "governance", "reporter"]
STAGES = ["idea", "pilot", "scale"]
PROJECT_FILTERS = [
    {"name": "project_id", "description": "Only these projects.", "many": True},
    {"name": "directorate", "description": "Only these directorates.", "many": True},
    {"name": "stage", "description": "Only these stages.", "enum": STAGES, "many": True},
]
SERVED = {"served": True, "how": "From the outbox history."}


def column(name: str, type_: str = "string", **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "description": f"The {name}.", **extra}


def dataset(name: str, columns: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "title": name.replace("_", " ").capitalize(),
        "description": f"One row per {name}.",
        "columns": columns,
        "primary_key": ["id"],
        "foreign_keys": [],
        "roles": STAFF,
        "filters": PROJECT_FILTERS,
        "as_of": SERVED,
        "updated_since": SERVED,
        "formats": ["csv", "ndjson", "xlsx"],
        **extra,
    }


ID = column("id", format="uuid", required=True)
PROJECT_ID = column("project_id", format="uuid", required=True)
TO_PROJECT = [{"columns": ["project_id"], "dataset": "projects", "reference": ["id"]}]

DICTIONARIES: dict[str, list[dict[str, Any]]] = {
    "projects": [
        dataset(
            "projects",
            [ID, column("title"), column("stage", enum=STAGES), column("created_at", "datetime")],
        ),
        dataset(
            "stage_changes",
            [ID, PROJECT_ID, column("to_stage", enum=STAGES), column("occurred_at", "datetime")],
            foreign_keys=TO_PROJECT,
        ),
    ],
    "assessment": [
        dataset(
            "assessments",
            [ID, PROJECT_ID, column("score", "number"), column("moderated", "boolean")],
            foreign_keys=TO_PROJECT,
            # Also a team member (the API lets evaluators read assessments portfolio-wide).
            roles=[*STAFF, "evaluator"],
        ),
    ],
    "stakeholders": [
        dataset(
            "stakeholders",
            [ID, column("category"), column("email")],
            roles=["admin", "governance"],
            filters=[],
            as_of={"served": False, "how": "Contact details are redacted in history."},
        ),
        dataset(
            "participation",
            [ID, column("engagement_id", format="uuid"), column("participants", "integer")],
            filters=[PROJECT_FILTERS[0]],
            as_of={"served": False, "how": "Counts are suppressed as of now only."},
        ),
    ],
}

CSVS: dict[str, str] = {
    "projects": (
        "id,title,stage,created_at\r\n"
        f"{P1},Virtual ward,pilot,2026-01-05T09:00:00Z\r\n"
        f'{P2},"\'=cmd, quoted",idea,2026-02-05T09:00:00.250000Z\r\n'
    ),
    "stage_changes": (
        "id,project_id,to_stage,occurred_at\r\n"
        f"{uuid.UUID(int=1)},{P1},pilot,2026-03-01T10:00:00Z\r\n"
    ),
    "assessments": (
        f"id,project_id,score,moderated\r\n{uuid.UUID(int=2)},{P1},3.5,true\r\n"
        f"{uuid.UUID(int=3)},{P2},,false\r\n"
    ),
    "stakeholders": f"id,category,email\r\n{uuid.UUID(int=4)},patient,a@example.org\r\n",
    "participation": f"id,engagement_id,participants\r\n{uuid.UUID(int=5)},,\r\n",
}


class Chunks(httpx.AsyncByteStream):
    """A body sent in small chunks, optionally broken off after `break_after` bytes."""

    def __init__(self, body: bytes, *, chunk: int = 16, break_after: int | None = None) -> None:
        self.body = body
        self.chunk = chunk
        self.break_after = break_after
        self.closed = False
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.chunk):
            if self.break_after is not None and start >= self.break_after:
                raise httpx.ReadError("connection reset by peer")
            self.sent = start + self.chunk
            yield self.body[start : start + self.chunk]

    async def aclose(self) -> None:
        self.closed = True


class FakeExports(httpx.AsyncBaseTransport):
    """One data-owning service's exports: its dictionary and each dataset's CSV, streamed."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.requests: list[httpx.Request] = []
        self.streams: list[Chunks] = []
        self.reachable = True
        self.refuse: dict[str, int] = {}
        self.break_after: dict[str, int] = {}
        self.extra: dict[str, bytes] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.reachable:
            raise httpx.ConnectError(f"{self.service} is unreachable", request=request)
        path = request.url.path
        if path == "/v1/exports":
            return httpx.Response(200, json={"datasets": DICTIONARIES[self.service]})
        name = path.removeprefix("/v1/exports/")
        if name in self.refuse:
            status = self.refuse[name]
            return httpx.Response(
                status,
                json={"type": "about:blank", "title": "Refused", "status": status},
                headers={"content-type": PROBLEM_CONTENT_TYPE},
            )
        body = CSVS[name].encode() + self.extra.get(name, b"")
        stream = Chunks(body, chunk=1024 if name in self.extra else 16)
        stream.break_after = self.break_after.get(name)
        self.streams.append(stream)
        return httpx.Response(
            200, headers={"content-type": "text/csv; charset=utf-8"}, stream=stream
        )

    def dataset_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/v1/exports"]


@pytest.fixture
def fakes() -> dict[str, FakeExports]:
    return {name: FakeExports(name) for name in DICTIONARIES}


@pytest.fixture
async def exports_app(fakes: dict[str, FakeExports]) -> AsyncIterator[FastAPI]:
    application = create_app(Settings(log_json=False, log_level="WARNING"), transports=dict(fakes))
    yield application
    for client in application.state.clients.values():
        await client.aclose()


@pytest.fixture
async def caller(
    exports_app: FastAPI, tokens: TokenFactory
) -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    async with AsyncExitStack() as stack:

        def client(role: str = "reporter", sub: str = "bi-1") -> httpx.AsyncClient:
            made = api_client(exports_app, token=tokens(role, sub=sub))
            stack.push_async_callback(made.aclose)
            return made

        yield client


def unzip(content: bytes, into: Path) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        archive.extractall(into)
        return archive.namelist()


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


# --- the merged dictionary ------------------------------------------------------------------


async def test_dictionary_merges_every_service_with_owner_and_readability(
    caller: Callable[..., httpx.AsyncClient], fakes: dict[str, FakeExports]
) -> None:
    response = await caller("reporter").get("/v1/exports")
    assert response.status_code == 200, response.text
    datasets = response.json()["datasets"]
    assert [(d["name"], d["service"]) for d in datasets] == [
        ("projects", "projects"),
        ("stage_changes", "projects"),
        ("assessments", "assessment"),
        ("stakeholders", "stakeholders"),
        ("participation", "stakeholders"),
    ]
    by_name = {d["name"]: d for d in datasets}
    # Listed with its roles even though a reporter may not read it.
    assert by_name["stakeholders"]["readable"] is False
    assert by_name["stakeholders"]["roles"] == ["admin", "governance"]
    assert by_name["projects"]["readable"] is True
    # The services' declarations come through whole.
    assert by_name["stage_changes"]["foreign_keys"] == TO_PROJECT
    assert by_name["projects"]["columns"][2]["enum"] == STAGES
    assert by_name["participation"]["as_of"]["served"] is False
    assert by_name["projects"]["formats"] == ["csv", "ndjson", "xlsx"]
    # One call per service, each with the caller's token.
    for fake in fakes.values():
        assert [r.url.path for r in fake.requests] == ["/v1/exports"]
        assert fake.requests[0].headers["authorization"].startswith("Bearer ")


@pytest.mark.parametrize(
    ("role", "readable"),
    [
        (
            "governance",
            {"projects", "stage_changes", "assessments", "stakeholders", "participation"},
        ),
        ("evaluator", {"assessments"}),
        ("contributor", set()),
    ],
)
async def test_dictionary_marks_what_each_role_may_read(
    caller: Callable[..., httpx.AsyncClient], role: str, readable: set[str]
) -> None:
    response = await caller(role).get("/v1/exports")
    assert response.status_code == 200, response.text
    datasets = response.json()["datasets"]
    assert len(datasets) == 5
    assert {d["name"] for d in datasets if d["readable"]} == readable


async def test_dictionary_with_a_service_down_is_a_503_naming_it(
    caller: Callable[..., httpx.AsyncClient], fakes: dict[str, FakeExports]
) -> None:
    fakes["assessment"].reachable = False
    body = assert_problem(await caller().get("/v1/exports"), 503, "upstream-unavailable")
    assert body["service"] == "assessment"


async def test_unknown_dataset_is_a_404_listing_nothing(
    caller: Callable[..., httpx.AsyncClient], fakes: dict[str, FakeExports]
) -> None:
    body = assert_problem(await caller().get("/v1/exports/widgets"), 404, "unknown-dataset")
    assert "projects" not in json.dumps(body)
    # A job's usual parameters do not turn the unknown name into a 422 about them.
    response = await caller().get("/v1/exports/widgets", params={"format": "csv", "since": "x"})
    assert_problem(response, 404, "unknown-dataset")
    assert all(not fake.requests for fake in fakes.values())


async def test_unknown_parameter_is_a_422(caller: Callable[..., httpx.AsyncClient]) -> None:
    response = await caller().get("/v1/exports/bundle.zip", params={"as_off": "2026-01-01"})
    body = assert_problem(response, 422)
    assert body["errors"][0]["pointer"] == "/as_off"


# --- the bundle -------------------------------------------------------------------------------


async def test_bundle_holds_a_valid_data_package_of_what_the_caller_may_read(
    caller: Callable[..., httpx.AsyncClient], fakes: dict[str, FakeExports], tmp_path: Path
) -> None:
    response = await caller("reporter").get("/v1/exports/bundle.zip")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="cmdi_bundle_')
    assert disposition.endswith('Z.zip"')

    names = unzip(response.content, tmp_path)
    # The package first (it needs the dictionary only), then the files in dictionary order.
    assert names == [
        "datapackage.json",
        "projects.csv",
        "stage_changes.csv",
        "assessments.csv",
        "participation.csv",
    ]
    for name in names[1:]:  # relayed byte for byte
        assert (tmp_path / name).read_bytes() == CSVS[name.removesuffix(".csv")].encode()

    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["profile"] == "tabular-data-package"
    assert package["cmdi:as_of"] is None
    assert package["cmdi:omitted"] == [
        {
            "name": "stakeholders",
            "service": "stakeholders",
            "reason": "This caller's role may not read it (roles: admin, governance).",
        }
    ]
    resources = {r["name"]: r for r in package["resources"]}
    projects = resources["projects"]
    assert (projects["path"], projects["format"], projects["encoding"]) == (
        "projects.csv",
        "csv",
        "utf-8",
    )
    fields = projects["schema"]["fields"]
    assert [f["name"] for f in fields] == ["id", "title", "stage", "created_at"]
    assert fields[0]["format"] == "uuid"
    assert fields[0]["constraints"] == {"required": True}
    assert fields[2]["constraints"] == {"enum": STAGES}
    assert fields[3]["type"] == "datetime"
    assert projects["schema"]["primaryKey"] == ["id"]
    assert resources["assessments"]["schema"]["foreignKeys"] == [
        {"fields": ["project_id"], "reference": {"resource": "projects", "fields": ["id"]}}
    ]

    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # Loaded without pandas: the row counts the services sent.
    assert len(rows(tmp_path / "projects.csv")) == 2
    assert len(rows(tmp_path / "assessments.csv")) == 2
    assert rows(tmp_path / "projects.csv")[1]["title"] == "'=cmd, quoted"

    # Each dataset asked once, as CSV, with the caller's token; every stream closed.
    for fake in fakes.values():
        for request in fake.dataset_requests():
            assert dict(parse_qsl(request.url.query.decode())) == {"format": "csv"}
            assert request.headers["authorization"] == fake.requests[0].headers["authorization"]
        assert all(stream.closed for stream in fake.streams)
    assert [r.url.path for r in fakes["stakeholders"].dataset_requests()] == [
        "/v1/exports/participation"
    ]


async def test_bundle_as_of_is_passed_on_and_refusing_datasets_are_listed(
    caller: Callable[..., httpx.AsyncClient], fakes: dict[str, FakeExports], tmp_path: Path
) -> None:
    response = await caller("governance").get(
        "/v1/exports/bundle.zip", params={"as_of": "2026-06-30T12:00:00Z"}
    )
    assert response.status_code == 200, response.text
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="cmdi_bundle_20260630T120000Z.zip"'
    )
    assert response.headers["export-as-of"] == "2026-06-30T12:00:00Z"
    names = unzip(response.content, tmp_path)
    assert names == ["datapackage.json", "projects.csv", "stage_changes.csv", "assessments.csv"]
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["cmdi:as_of"] == "2026-06-30T12:00:00Z"
    assert package["cmdi:omitted"] == [
        {
            "name": "stakeholders",
            "service": "stakeholders",
            "reason": "It does not honour `as_of`: Contact details are redacted in history.",
        },
        {
            "name": "participation",
            "service": "stakeholders",
            "reason": "It does not honour `as_of`: Counts are suppressed as of now only.",
        },
    ]
    asked = [r for fake in fakes.values() for r in fake.dataset_requests()]
    assert len(asked) == 3
    for request in asked:
        assert dict(parse_qsl(request.url.query.decode())) == {
            "format": "csv",
            "as_of": "2026-06-30T12:00:00Z",
        }
    assert frictionless.validate(tmp_path / "datapackage.json").valid


async def test_bundle_filters_are_passed_on_and_datasets_without_them_left_out(
    caller: Callable[..., httpx.AsyncClient], fakes: dict[str, FakeExports], tmp_path: Path
) -> None:
    response = await caller("governance").get(
        "/v1/exports/bundle.zip",
        params=[("project_id", P1), ("project_id", P2), ("directorate", "Surgery")],
    )
    assert response.status_code == 200, response.text
    names = unzip(response.content, tmp_path)
    assert "participation.csv" not in names
    assert "stakeholders.csv" not in names
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert {o["name"]: o["reason"] for o in package["cmdi:omitted"]} == {
        "stakeholders": "It does not take the filter(s) directorate, project_id.",
        "participation": "It does not take the filter(s) directorate.",
    }
    request = fakes["projects"].dataset_requests()[0]
    assert parse_qsl(request.url.query.decode()) == [
        ("format", "csv"),
        ("project_id", P1),
        ("project_id", P2),
        ("directorate", "Surgery"),
    ]


async def test_bundle_filter_value_no_dataset_takes_is_a_422_before_anything_is_asked(
    caller: Callable[..., httpx.AsyncClient], fakes: dict[str, FakeExports]
) -> None:
    response = await caller().get(
        "/v1/exports/bundle.zip", params=[("stage", "pilot"), ("stage", "orbit")]
    )
    body = assert_problem(response, 422, "invalid-filter")
    assert [e["pointer"] for e in body["errors"]] == ["/stage"]
    assert all(not fake.dataset_requests() for fake in fakes.values())


async def test_bundle_for_a_role_that_reads_nothing_is_a_403(
    caller: Callable[..., httpx.AsyncClient], fakes: dict[str, FakeExports]
) -> None:
    response = await caller("contributor").get("/v1/exports/bundle.zip")
    assert_problem(response, 403, "bundle-forbidden")
    assert all(not fake.dataset_requests() for fake in fakes.values())


@pytest.mark.parametrize(
    ("params", "pointer"),
    [({"as_of": "2999-01-01T00:00:00Z"}, "/as_of"), ({"as_of": "yesterday"}, "/as_of")],
)
async def test_bundle_bad_as_of_is_a_422_before_anything_is_asked(
    caller: Callable[..., httpx.AsyncClient],
    fakes: dict[str, FakeExports],
    params: dict[str, str],
    pointer: str,
) -> None:
    body = assert_problem(await caller().get("/v1/exports/bundle.zip", params=params), 422)
    assert [e["pointer"] for e in body["errors"]] == [pointer]
    assert all(not fake.requests for fake in fakes.values())


async def test_bundle_with_a_service_down_before_it_starts_is_a_503(
    caller: Callable[..., httpx.AsyncClient], fakes: dict[str, FakeExports]
) -> None:
    fakes["stakeholders"].reachable = False
    body = assert_problem(await caller().get("/v1/exports/bundle.zip"), 503)
    assert body["service"] == "stakeholders"


def assert_cut_off(content: bytes) -> None:
    """No end of central directory: no unzip tool takes the part for a whole zip."""
    assert content.startswith(b"PK\x03\x04")  # the zip had started
    assert b"PK\x05\x06" not in content
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(content))


async def _raw_bundle(
    app: FastAPI, token: str, *, gone_after: int | None = None
) -> tuple[bytes, list[dict[str, Any]]]:
    """Call the app as a server would, keeping every message it sends (with `gone_after`, the
    caller goes away: sending that many body messages, the next one fails as a closed socket's
    does under ASGI 2.4)."""
    messages: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/exports/bundle.zip",
        "raw_path": b"/v1/exports/bundle.zip",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        bodies = sum(m["type"] == "http.response.body" for m in messages)
        if (
            gone_after is not None
            and message["type"] == "http.response.body"
            and bodies >= gone_after
        ):
            raise OSError("connection reset by peer")
        messages.append(dict(message))

    with contextlib.suppress(ClientDisconnect):
        await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return body, messages


@pytest.mark.parametrize("failure", ["cut-off", "refused"])
async def test_a_service_failing_mid_bundle_cuts_the_zip_off(
    exports_app: FastAPI, tokens: TokenFactory, fakes: dict[str, FakeExports], failure: str
) -> None:
    if failure == "cut-off":
        fakes["assessment"].break_after["assessments"] = 32
    else:  # listed in the dictionary, refused when asked (it changed its mind, or its roles)
        fakes["assessment"].refuse["assessments"] = 500
    body, messages = await _raw_bundle(exports_app, tokens("reporter", sub="bi-1"))
    assert messages[0]["type"] == "http.response.start"
    assert messages[0]["status"] == 200
    # The HTTP body never ends: the server closes the connection, the client sees truncation.
    assert messages[-1]["type"] == "http.response.body"
    assert messages[-1].get("more_body") is True
    assert_cut_off(body)
    # What came before the failure is there (the package and the projects' files)...
    assert b"datapackage.json" in body
    assert b"projects.csv" in body
    # ...and nothing after it was asked for; every stream opened was closed.
    assert not fakes["stakeholders"].dataset_requests()
    assert all(s.closed for fake in fakes.values() for s in fake.streams)


async def test_a_complete_bundle_ends_its_http_body(
    exports_app: FastAPI, tokens: TokenFactory
) -> None:
    body, messages = await _raw_bundle(exports_app, tokens("reporter", sub="bi-1"))
    assert messages[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None


async def test_a_caller_gone_mid_bundle_closes_every_upstream_stream_at_once(
    exports_app: FastAPI, tokens: TokenFactory, fakes: dict[str, FakeExports]
) -> None:
    # Enough incompressible rows that the zip sends its first chunk mid-file.
    rows = "".join(f"{uuid.uuid4()},{os.urandom(48).hex()},idea,\r\n" for _ in range(4000))
    fakes["projects"].extra["projects"] = rows.encode()
    _, messages = await _raw_bundle(exports_app, tokens("reporter", sub="bi-1"), gone_after=1)
    assert len([m for m in messages if m["type"] == "http.response.body"]) == 1
    opened = [s for fake in fakes.values() for s in fake.streams]
    assert len(opened) == 1  # the projects' file, left mid-way
    assert opened[0].sent < len(opened[0].body)
    assert opened[0].closed
    # Nothing further was asked for once the caller had gone.
    assert not fakes["stakeholders"].dataset_requests()


async def test_over_tcp_a_bundle_cut_off_is_an_error_for_the_http_client(
    exports_app: FastAPI, tokens: TokenFactory, fakes: dict[str, FakeExports]
) -> None:
    """Under a real server (uvicorn) the missing final chunk is what an HTTP client reports:
    the body is incomplete, never a short file that looks whole."""
    rows = "".join(f"{uuid.uuid4()},{os.urandom(48).hex()},idea,\r\n" for _ in range(4000))
    fakes["assessment"].extra["assessments"] = rows.encode()
    fakes["assessment"].break_after["assessments"] = 200_000
    received: list[bytes] = []

    async def read_all(response: httpx.Response) -> None:
        async for chunk in response.aiter_bytes():
            received.append(chunk)

    async with (
        serving(exports_app, bound_socket(), lifespan="off") as url,
        httpx.AsyncClient(base_url=url, timeout=10.0) as client,
    ):
        headers = {"Authorization": f"Bearer {tokens('reporter', sub='bi-1')}"}
        async with client.stream("GET", "/v1/exports/bundle.zip", headers=headers) as response:
            assert response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):
                await read_all(response)
    assert len(b"".join(received)) > 65_536  # the zip had got well into the assessments' file
    assert_cut_off(b"".join(received))
