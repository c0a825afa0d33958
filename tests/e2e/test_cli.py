"""End to end: the real `cmdi` console script (a subprocess, as a nightly job runs it) against a
live stack started as `make run` starts it (SQLite, or PostgreSQL with
CMDI_TEST_DATABASE=postgresql): exports in the three formats, `--since last` from the stored
high-water mark, the bundle, the portfolio report, templates out and back in, problems printed
with their title and detail, and a download that breaks off (exit 3, nothing replaced, the mark
not advanced) from a raw server that stops mid-body."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import sys
import urllib.parse
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import openpyxl  # type: ignore[import-untyped]  # tests only (no stubs installed)
import pytest

from scripts.processes import Stack
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY
from shared.testing import RawUpstream, TokenFactory, dead_url, project_body

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
CMDI = Path(sys.executable).with_name("cmdi")
TIMEOUT = 120.0
TEMPLATE: dict[str, Any] = {
    "format": "cmdi-framework-template/1",
    "name": f"E2E CLI triage {uuid.uuid4().hex[:6]}",
    "semver": "1.0.0",
    "gates_used": ["g0_triage"],
    "scoring_policy": {"min_assessors": 1},
    "domains": [
        {
            "code": "need",
            "label": "Need",
            "criteria": [
                {"code": "need", "question": "Is the need clear?", "scale": "ordinal_0_4"}
            ],
        }
    ],
}


@dataclass
class Run:
    status: int
    stdout: str
    stderr: str


async def cmdi(*args: str, url: str | None = None, token: str | None = None, cwd: Path) -> Run:
    """Run the installed console script; the event loop keeps serving (the raw server) meanwhile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CMDI_")}
    env |= {"COLUMNS": "200", "XDG_STATE_HOME": str(cwd / "state"), "NO_COLOR": "1"}
    if url:
        env["CMDI_URL"] = url
    if token:
        env["CMDI_TOKEN"] = token
    process = await asyncio.create_subprocess_exec(
        str(CMDI),
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(TIMEOUT):
        stdout, stderr = await process.communicate()
    assert process.returncode is not None
    return Run(process.returncode, stdout.decode(), stderr.decode())


def ok(run: Run) -> Run:
    assert run.status == 0, f"exit {run.status}\nstdout: {run.stdout}\nstderr: {run.stderr}"
    return run


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def files(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


def mark_of(path: Path) -> str:
    state = json.loads(path.with_name(path.name + ".cmdi-state.json").read_text())
    mark: str = state["high_water_mark"]
    return mark


@pytest.fixture(scope="module")
async def projects(stack: Stack, tokens: TokenFactory) -> list[dict[str, Any]]:
    """Two projects, one titled like a spreadsheet formula."""
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("governance", sub="e2e-cli"),
        timeout=20.0,
        trust_env=False,
    ) as api:
        made = []
        for title in ("E2E CLI: ward huddles", "=HYPERLINK(1) E2E CLI"):
            response = await api.post("/projects", json=project_body(title=title))
            assert response.status_code == 201, response.text
            made.append(response.json())
        return made


@pytest.fixture
def admin(tokens: TokenFactory) -> str:
    return tokens("admin", sub="e2e-cli-admin")


# -- without a stack -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ([], ["export", "datasets", "report", "templates", "token", "Exit status"]),
        (["export"], ["--format", "--since", "--as-of", "--filter", "--output", "bundle"]),
        (["report", "portfolio"], ["--format", "--output", "--as-of"]),
        (["templates", "export"], ["--output"]),
        (["templates", "import"], ["directory"]),
        (["token"], ["--role", "--sub"]),
        (["datasets"], ["--json"]),
    ],
)
async def test_help_documents_every_command(
    command: list[str], expected: list[str], tmp_path: Path
) -> None:
    run = ok(await cmdi(*command, "--help", cwd=tmp_path))
    for word in expected:
        assert word in run.stdout, f"{word!r} missing from `cmdi {' '.join(command)} --help`"


async def test_token_prints_one_development_token_and_nothing_else(tmp_path: Path) -> None:
    run = ok(await cmdi("token", "--role", "reporter", "--sub", "nightly-job", cwd=tmp_path))
    assert run.stdout.count("\n") == 1
    claims = jwt.decode(
        run.stdout.strip(),
        DEV_JWT_KEY,
        algorithms=["HS256"],
        audience=DEV_AUDIENCE,
        issuer=DEV_ISSUER,
    )
    assert (claims["sub"], claims["roles"]) == ("nightly-job", ["reporter"])
    refused = await cmdi("token", "--role", "superuser", cwd=tmp_path)
    assert refused.status == 2
    assert refused.stdout == ""


async def test_a_stack_that_is_not_there_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    run = await cmdi("export", "projects", "-o", "p.csv", url=dead_url(), cwd=tmp_path)
    assert run.status == 1
    assert "cannot reach" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "p.csv").exists()


# -- against the live stack -----------------------------------------------------------------------


async def test_export_csv_then_since_last_continues_from_the_stored_mark(
    stack: Stack, projects: list[dict[str, Any]], tokens: TokenFactory, admin: str, tmp_path: Path
) -> None:
    out = tmp_path / "projects.csv"
    first = ok(
        await cmdi(
            "export", "projects", "-o", str(out), url=stack.gateway_url, token=admin, cwd=tmp_path
        )
    )
    rows = csv_rows(out)
    by_id = {row["id"]: row for row in rows}
    assert {p["id"] for p in projects} <= set(by_id)
    # OWASP CSV injection: the formula-like title is neutralised by a leading quote.
    assert by_id[projects[1]["id"]]["title"] == "'=HYPERLINK(1) E2E CLI"
    assert f"{len(rows):,} rows" in first.stderr
    mark = mark_of(out)
    assert "deleted" not in rows[0]

    # A change after the first run: the next `--since last` run carries it.
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("governance", sub="e2e-cli"),
        timeout=20.0,
        trust_env=False,
    ) as api:
        changed = await api.patch(
            f"/projects/{projects[0]['id']}", json={"summary": "Changed after the first run."}
        )
        assert changed.status_code == 200, changed.text
    ok(
        await cmdi(
            "export",
            "projects",
            "--since",
            "last",
            "-o",
            str(out),
            url=stack.gateway_url,
            token=admin,
            cwd=tmp_path,
        )
    )
    again = {row["id"]: row for row in csv_rows(out)}
    assert again[projects[0]["id"]]["summary"] == "Changed after the first run."
    assert again[projects[0]["id"]]["deleted"] == "false"
    assert mark_of(out) >= mark

    # Another job (other filters) never continues from this one's mark.
    other = await cmdi(
        "export",
        "projects",
        "--since",
        "last",
        "-f",
        "stage=pilot",
        "-o",
        str(out),
        url=stack.gateway_url,
        token=admin,
        cwd=tmp_path,
    )
    assert other.status == 2
    assert "another job" in other.stderr


async def test_an_explicit_since_gives_only_the_rows_changed_after_it(
    stack: Stack, tokens: TokenFactory, admin: str, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("governance", sub="e2e-cli"),
        timeout=20.0,
        trust_env=False,
    ) as api:
        before = (await api.post("/projects", json=project_body(title="E2E CLI: before"))).json()
        await asyncio.sleep(1.1)
        moment = dt.datetime.now(dt.UTC).isoformat()
        await asyncio.sleep(1.1)
        after = (await api.post("/projects", json=project_body(title="E2E CLI: after"))).json()
    out = tmp_path / "changed.ndjson"
    ok(
        await cmdi(
            "export",
            "projects",
            "--format",
            "ndjson",
            "--since",
            moment,
            "--trailer",
            "-o",
            str(out),
            url=stack.gateway_url,
            token=admin,
            cwd=tmp_path,
        )
    )
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    *rows, trailer = lines
    ids = {row["id"] for row in rows}
    assert after["id"] in ids
    assert before["id"] not in ids
    assert trailer["_export"]["complete"] is True
    assert trailer["_export"]["rows"] == len(rows)


async def test_the_first_since_last_is_a_full_export_and_stdout_keeps_its_mark_in_xdg(
    stack: Stack, projects: list[dict[str, Any]], admin: str, tmp_path: Path
) -> None:
    only = f"project_id={projects[0]['id']}"
    run = ok(
        await cmdi(
            "export", "projects", "--since", "last", "-f", only, "-o", "-",
            url=stack.gateway_url, token=admin, cwd=tmp_path,
        )
    )  # fmt: skip
    assert "no high-water mark" in run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout, newline="")))
    assert [row["id"] for row in rows] == [projects[0]["id"]]
    assert "deleted" not in rows[0]
    state = json.loads((tmp_path / "state" / "cmdi" / "projects.json").read_text())
    assert state["filters"] == [["project_id", projects[0]["id"]]]
    again = ok(
        await cmdi(
            "export", "projects", "--since", "last", "-f", only, "-o", "-",
            url=stack.gateway_url, token=admin, cwd=tmp_path,
        )
    )  # fmt: skip
    assert "deleted" in again.stdout.splitlines()[0]


async def test_export_xlsx_and_filters(
    stack: Stack, projects: list[dict[str, Any]], admin: str, tmp_path: Path
) -> None:
    out = tmp_path / "projects.xlsx"
    ok(
        await cmdi(
            "export",
            "projects",
            "--format",
            "xlsx",
            "-f",
            f"project_id={projects[0]['id']}",
            "-o",
            str(out),
            url=stack.gateway_url,
            token=admin,
            cwd=tmp_path,
        )
    )
    sheet = openpyxl.load_workbook(out, read_only=True).worksheets[0]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[0] == "id"
    assert [row[0] for row in rows] == [projects[0]["id"]]


async def test_without_o_the_file_takes_the_servers_name(
    stack: Stack, projects: list[dict[str, Any]], admin: str, tmp_path: Path
) -> None:
    ok(await cmdi("export", "projects", url=stack.gateway_url, token=admin, cwd=tmp_path))
    [written] = files(tmp_path, "projects_*.csv")
    assert written.name.endswith("Z.csv")


@pytest.mark.parametrize(
    ("args", "role", "words"),
    [
        (["export", "no_such_dataset", "-o", "x.csv"], "admin", ["404"]),
        (
            ["export", "projects", "--as-of", "2999-01-01T00:00:00Z", "-o", "x.csv"],
            "admin",
            ["422", "as_of"],
        ),
        (["export", "projects", "--format", "csv", "-o", "x.csv"], "contributor", ["403"]),
        (["export", "projects", "-f", "stage=nowhere", "-o", "x.csv"], "admin", ["422", "stage"]),
    ],
)
async def test_a_problem_exits_1_with_its_title_and_detail(
    stack: Stack,
    tokens: TokenFactory,
    tmp_path: Path,
    args: list[str],
    role: str,
    words: list[str],
) -> None:
    run = await cmdi(*args, url=stack.gateway_url, token=tokens(role, sub="e2e-cli"), cwd=tmp_path)
    assert run.status == 1, run.stderr
    assert run.stderr.startswith("cmdi: ")
    for word in words:
        assert word in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "x.csv").exists()
    assert not (tmp_path / "x.csv.part").exists()


async def test_no_token_is_a_401_problem(stack: Stack, tmp_path: Path) -> None:
    run = await cmdi("datasets", url=stack.gateway_url, cwd=tmp_path)
    assert run.status == 1
    assert "401" in run.stderr


async def test_datasets_lists_the_dictionary(stack: Stack, admin: str, tmp_path: Path) -> None:
    run = ok(await cmdi("datasets", "--json", url=stack.gateway_url, token=admin, cwd=tmp_path))
    names = {item["name"] for item in json.loads(run.stdout)["datasets"]}
    assert {"projects", "assessments", "engagements"} <= names


async def test_bundle_is_a_zip_with_a_datapackage(
    stack: Stack, projects: list[dict[str, Any]], admin: str, tmp_path: Path
) -> None:
    out = tmp_path / "bundle.zip"
    ok(
        await cmdi(
            "export", "bundle", "-o", str(out), url=stack.gateway_url, token=admin, cwd=tmp_path
        )
    )
    with zipfile.ZipFile(out) as bundle:
        assert bundle.testzip() is None
        package = json.loads(bundle.read("datapackage.json"))
    assert "projects" in {resource["name"] for resource in package["resources"]}
    refused = await cmdi(
        "export",
        "bundle",
        "--since",
        "last",
        "-o",
        str(out),
        url=stack.gateway_url,
        token=admin,
        cwd=tmp_path,
    )
    assert refused.status == 2


@pytest.mark.parametrize(("fmt", "start"), [("html", "<!doctype html"), ("json", "{")])
async def test_report_portfolio(
    stack: Stack,
    projects: list[dict[str, Any]],
    tokens: TokenFactory,
    tmp_path: Path,
    fmt: str,
    start: str,
) -> None:
    out = tmp_path / f"portfolio.{fmt}"
    ok(
        await cmdi(
            "report",
            "portfolio",
            "--format",
            fmt,
            "-o",
            str(out),
            url=stack.gateway_url,
            token=tokens("governance", sub="e2e-cli"),
            cwd=tmp_path,
        )
    )
    assert out.read_text(encoding="utf-8").lstrip().lower().startswith(start)


async def test_templates_export_then_import(
    stack: Stack, tokens: TokenFactory, admin: str, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1",
        headers=tokens.headers("admin", sub="e2e-cli-admin"),
        timeout=20.0,
        trust_env=False,
    ) as api:
        created = await api.post("/frameworks/import", json=TEMPLATE)
        assert created.status_code == 201, created.text
    folder = tmp_path / "templates"
    ok(
        await cmdi(
            "templates",
            "export",
            "-o",
            str(folder),
            url=stack.gateway_url,
            token=admin,
            cwd=tmp_path,
        )
    )
    [mine] = [
        p for p in files(folder, "*.json") if json.loads(p.read_text())["name"] == TEMPLATE["name"]
    ]
    assert mine.name == f"{TEMPLATE['name'].lower().replace(' ', '-')}_1.0.0.json"

    # Every exported version exists already: skipped, exit 0.
    again = ok(
        await cmdi(
            "templates", "import", str(folder), url=stack.gateway_url, token=admin, cwd=tmp_path
        )
    )
    assert "skipped" in again.stderr

    # A new version of it imports as a draft; a broken document is a problem (exit 1).
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    document = json.loads(mine.read_text())
    (fresh / "next.json").write_text(json.dumps({**document, "semver": "1.1.0"}))
    (fresh / "broken.json").write_text(
        json.dumps({**document, "semver": "2.0.0", "domains": "not a list"})
    )
    run = await cmdi(
        "templates", "import", str(fresh), url=stack.gateway_url, token=admin, cwd=tmp_path
    )
    assert run.status == 1
    assert "next.json: imported" in run.stderr
    assert "broken.json: 422" in run.stderr


# -- a download that breaks off -------------------------------------------------------------------


class BreaksOff(RawUpstream):
    """Answers 200 with a chunked CSV body and closes the connection before the final chunk,
    as a service that fails mid-stream does. Keeps each request line."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        self.requests.append(line.decode().split()[1])
        chunk = b"id,title\r\n" + b"".join(b"%d,row\r\n" % n for n in range(2000))
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/csv; charset=utf-8\r\n"
            b"Export-High-Water-Mark: 2031-01-01T00:00:00Z\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        )
        await writer.drain()
        writer.close()


@pytest.fixture
async def breaks_off() -> AsyncIterator[tuple[BreaksOff, str]]:
    server = BreaksOff()
    async with server.serving() as url:
        yield server, url


async def test_a_download_that_breaks_off_exits_3_and_keeps_the_old_file_and_mark(
    breaks_off: tuple[BreaksOff, str], tmp_path: Path
) -> None:
    server, url = breaks_off
    out = tmp_path / "projects.csv"
    out.write_bytes(b"id\r\nfrom the last complete run\r\n")
    previous: dict[str, Any] = {
        "url": url,
        "dataset": "projects",
        "format": "csv",
        "filters": [],
        "high_water_mark": "2030-01-01T00:00:00Z",
        "as_of": None,
        "finished_at": "2030-01-01T00:01:00Z",
    }
    state = tmp_path / "projects.csv.cmdi-state.json"
    state.write_text(json.dumps(previous))

    run = await cmdi(
        "export", "projects", "--since", "last", "-o", str(out), url=url, token="t", cwd=tmp_path
    )
    assert run.status == 3, run.stderr
    assert "incomplete" in run.stderr
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(server.requests[0]).query)
    assert query["updated_since"] == ["2030-01-01T00:00:00Z"]
    assert out.read_bytes() == b"id\r\nfrom the last complete run\r\n"
    assert not (tmp_path / "projects.csv.part").exists()
    assert json.loads(state.read_text()) == previous


# -- the progress bar's row count ----------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3, 7, 64 * 1024])
def test_rows_are_csv_records_not_line_breaks_inside_quoted_cells(size: int) -> None:
    from cmdi_cli.download import RowCounter

    body = b'id,note\r\n1,"two\r\nlines"\r\n2,"a ""quoted"" word"\r\n3,plain\r\n'
    counter = RowCounter("csv")
    for start in range(0, len(body), size):
        counter.feed(body[start : start + size])
    assert counter.rows == 3
    ndjson = RowCounter("ndjson", trailer=True)
    ndjson.feed(b'{"id": 1}\n{"id": 2}\n{"_export": {"complete": true}}\n')
    assert ndjson.rows == 2
