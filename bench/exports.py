"""`python -m bench.exports`: exporting a million rows (issue #12 "Performance"), on SQLite and
PostgreSQL, measured side by side in one run:

- a full export of the `projects` dataset (1,000,000 rows by default) as CSV, NDJSON and XLSX:
  time to the first body byte (target < 0.5 s), rows per second, and the serving process's RSS
  growth during the stream (peak VmRSS sampled every 20 ms minus VmRSS just before; < 50 MB);
- the same rows paged through the list API (`GET /v1/projects?limit=200`, following
  `next_cursor`) for `--page-seconds`: export rows/s at least 20x the paging rows/s for CSV and
  NDJSON, 5x for XLSX;
- a nightly incremental run: 1% of the rows (every reference ending in `00`, spread over the
  table) get a new `updated_at`, then `?updated_since=` just before that change is exported as
  CSV: under 5% of the full CSV export's time (and of the server's CPU time).

The registry is `bench.dataset.bulk` (the generator's projects replicated to `--rows`), in
`var/bench-exports/projects.db` and the PostgreSQL database `bench_exports_projects`; it is
generated when missing or of another size (a few minutes per backend: every insert also
feeds the registry's search index) and reused after that.
The projects service is started as `make run` starts it (`scripts.processes.Stack`, consumers
off, logs at WARNING) and called directly on its own port, so its RSS is the exporting process's
alone. The client (httpx, in this process) counts bytes and line ends and keeps nothing.
Prints the table; `--write` puts it in bench/EXPORTS.md between the markers.

    .venv/bin/python -m bench.exports --write                  # both backends, 1,000,000 rows
    .venv/bin/python -m bench.exports --backend sqlite --rows 100000 --formats csv
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from bench.dataset.bulk import write_projects
from bench.dataset.store import (
    DEFAULT_PG,
    Target,
    _engine,
    _recreate_postgres,
    finish,
    prepare,
    table_of,
)
from bench.run import cpu_seconds, machine
from projects_service.projects.models import Project
from scripts.processes import Stack, allocate_ports
from scripts.services import ROOT, SERVICES
from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

EXPORTS_MD = ROOT / "bench" / "EXPORTS.md"
# One section per set of backends run together (a run on one backend keeps the other's).
BEGIN_MARK = "<!-- bench.exports {}: begin -->"
END_MARK = "<!-- bench.exports {}: end -->"
SQLITE_DIR = ROOT / "var" / "bench-exports"
PG_DATABASE = "bench_exports_projects"
PROJECTS = next(service for service in SERVICES if service.name == "projects")
FORMATS = ("csv", "ndjson", "xlsx")
RSS_LIMIT_MB = 50.0
FIRST_BYTE_LIMIT_S = 0.5
RATIO_TARGET = {"csv": 20.0, "ndjson": 20.0, "xlsx": 5.0}
INCREMENTAL_LIMIT = 0.05
CHANGED = "BLK-%00"  # bench.dataset.bulk.reference: every hundredth row
Say = Callable[[str], None]


@dataclass
class Measured:
    backend: str
    scenario: str
    rows: int
    seconds: float
    first_byte: float | None = None
    bytes: int = 0
    rss_before_mb: float | None = None
    rss_growth_mb: float | None = None
    server_cpu: float | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# -- the dataset ---------------------------------------------------------------------------------


def _count(target: Target) -> int | None:
    """Rows in `project`, or None when the database is not there (or not migrated)."""
    try:
        with target.engine.connect() as connection:
            return int(
                connection.execute(select(func.count()).select_from(_project())).scalar_one()
            )
    except SQLAlchemyError:  # a missing database or table: generate it
        return None


def _project() -> Table:
    return table_of(Project)


def dataset(backend: str, rows: int, say: Say) -> Target:
    """The registry of `rows` projects on `backend`, generated if missing or of another size."""
    if backend == "sqlite":
        path = SQLITE_DIR / "projects.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = f"{DEFAULT_PG.rsplit('/', 1)[0]}/{PG_DATABASE}".replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    existing = Target(service="projects", url=url, engine=_engine(url))
    if backend == "sqlite" and not (SQLITE_DIR / "projects.db").exists():
        found = None
    else:
        found = _count(existing)
    if found == rows:
        say(f"{backend}: reusing {rows:,} projects at {url}")
        prepare("projects", backend=backend, out=SQLITE_DIR, url=url)  # migrations at head
        return existing
    existing.engine.dispose()
    say(f"{backend}: generating {rows:,} projects (found {found})")
    started = time.perf_counter()
    if backend == "sqlite":
        target = prepare("projects", backend="sqlite", out=SQLITE_DIR)
    else:
        try:
            _recreate_postgres(DEFAULT_PG, PG_DATABASE)
        except psycopg.Error as exc:
            raise SystemExit(f"PostgreSQL at {DEFAULT_PG}: {exc}") from exc
        target = prepare("projects", backend=backend, out=SQLITE_DIR, url=url)
    write_projects(target, rows, say=say)
    finish(target)
    say(f"{backend}: generated in {time.perf_counter() - started:.0f} s")
    return Target(service="projects", url=target.url, engine=_engine(target.url))


def change_one_percent(target: Target) -> tuple[dt.datetime, int]:
    """Give 1% of the rows a new `updated_at` (and version), as that many PATCHes would; the
    moment just before, for `updated_since`."""
    table = _project()
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    time.sleep(1.1)  # the changed rows are strictly after `before`, whatever the clock's grain
    with target.engine.begin() as connection:
        result = connection.execute(
            update(table)
            .where(table.c.reference.like(CHANGED))
            .values(updated_at=dt.datetime.now(dt.UTC), version=table.c.version + 1)
        )
    return before, int(result.rowcount)


# -- measuring -----------------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class PeakRss(threading.Thread):
    """Samples a process's RSS every 20 ms until stopped; `peak` is the largest seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = rss_mb(pid) or 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.02):
            self.peak = max(self.peak, rss_mb(self.pid) or 0.0)

    def stop(self) -> float:
        self._done.set()
        self.join()
        return self.peak


class XlsxRows:
    """Counts the `<row` elements of an XLSX stream's worksheet as the bytes arrive: walks the
    zip's local file headers and inflates each member (stream-zip writes them deflated, sizes in
    a data descriptor after the data), so a stream read only for a while still says how many
    rows it carried."""

    def __init__(self) -> None:
        self.rows = 0
        self._buffer = b""
        self._inflate: Any = None
        self._sheet = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        self._buffer += chunk
        while True:
            if self._inflate is None:
                start = self._buffer.find(b"PK\x03\x04")
                if start < 0 or len(self._buffer) < start + 30:
                    return
                header = self._buffer[start : start + 30]
                name_length = int.from_bytes(header[26:28], "little")
                extra_length = int.from_bytes(header[28:30], "little")
                end = start + 30 + name_length + extra_length
                if len(self._buffer) < end:
                    return
                name = self._buffer[start + 30 : start + 30 + name_length]
                self._sheet = name.startswith(b"xl/worksheets/")
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                self._buffer = self._buffer[end:]
            data, self._buffer = self._buffer, b""
            text = self._inflate.decompress(data)
            if self._sheet:
                # Header row included, as in a CSV's line count.
                window = self._tail + text
                self.rows += window.count(b"<row ") + window.count(b"<row>")
                self.rows -= self._tail.count(b"<row ") + self._tail.count(b"<row>")
                self._tail = window[-4:]
            if not self._inflate.eof:
                return
            self._buffer = self._inflate.unused_data
            self._inflate = None


def export(
    client: httpx.Client,
    backend: str,
    scenario: str,
    params: dict[str, str],
    pid: int,
    *,
    seconds: float | None = None,
) -> Measured:
    """One export, read to the end or for `seconds` (then the client disconnects, as one that
    gives up does); rows counted from line ends (CSV, NDJSON) or worksheet rows (XLSX), each
    without the header."""
    before = rss_mb(pid)
    sampler = PeakRss(pid)
    cpu_before = cpu_seconds({"projects": pid}).get("projects")
    sampler.start()
    first: float | None = None
    size = lines = 0
    fmt = params.get("format", "csv")
    sheet = XlsxRows() if fmt == "xlsx" else None
    complete = True
    started = time.perf_counter()
    try:
        with client.stream("GET", "/v1/exports/projects", params=params) as response:
            if response.status_code != 200:
                response.read()
                raise SystemExit(f"{scenario}: {response.status_code} {response.text[:500]}")
            for chunk in response.iter_raw():
                if first is None:
                    first = time.perf_counter() - started
                size += len(chunk)
                if sheet is None:
                    lines += chunk.count(b"\n")
                else:
                    sheet.feed(chunk)
                if seconds is not None and time.perf_counter() - started > seconds:
                    complete = False
                    break
    finally:
        peak = sampler.stop()
    seconds = time.perf_counter() - started
    cpu_after = cpu_seconds({"projects": pid}).get("projects")
    if sheet is not None:
        rows = max(0, sheet.rows - 1)
    else:
        rows = max(0, lines - 1) if fmt == "csv" else lines
    return Measured(
        backend=backend,
        scenario=scenario if complete else f"{scenario} (first {seconds:.0f} s)",
        rows=rows,
        seconds=seconds,
        first_byte=first,
        bytes=size,
        rss_before_mb=before,
        rss_growth_mb=None if before is None else max(0.0, peak - before),
        server_cpu=None if cpu_before is None or cpu_after is None else cpu_after - cpu_before,
    )


def paging(client: httpx.Client, backend: str, seconds: float, pid: int) -> Measured:
    """The list API at limit=200 from the first page, following `next_cursor`, for `seconds`."""
    rows = pages = 0
    cursor: str | None = None
    cpu_before = cpu_seconds({"projects": pid}).get("projects")
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/projects", params=params)
        if response.status_code != 200:
            raise SystemExit(f"paging: {response.status_code} {response.text[:500]}")
        body = response.json()
        rows += len(body["items"])
        pages += 1
        cursor = body.get("next_cursor")
        if not cursor:
            break
    elapsed = time.perf_counter() - started
    cpu_after = cpu_seconds({"projects": pid}).get("projects")
    return Measured(
        backend=backend,
        scenario=f"list API, limit=200 ({pages} pages)",
        rows=rows,
        seconds=elapsed,
        server_cpu=None if cpu_before is None or cpu_after is None else cpu_after - cpu_before,
    )


def bench_backend(
    backend: str,
    rows: int,
    formats: Sequence[str],
    page_seconds: float,
    export_seconds: float,
    say: Say,
) -> list[Measured]:
    target = dataset(backend, rows, say)
    env = {
        "PROJECTS_LOG_LEVEL": "WARNING",
        "PROJECTS_CONSUMER_ENABLED": "false",
    }
    token = issue_token(
        key=DEV_JWT_KEY,
        subject="bench-exports",
        roles=["admin"],
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
    )
    results: list[Measured] = []
    stack = Stack(
        ports=allocate_ports([PROJECTS]),
        database_urls={"projects": target.url},
        env=env,
        services=[PROJECTS],
    )
    try:
        stack.start()
        stack.wait_ready(timeout=120)
        pid = stack.processes["projects"].pid
        assert pid is not None
        with httpx.Client(
            base_url=stack.url("projects"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(600.0, connect=5.0),
            trust_env=False,
        ) as client:
            # Warm-up: every format's code paths imported and the first connections open, so
            # the growth measured is the stream's, not the first import of openpyxl-free XLSX.
            one = client.get("/v1/projects", params={"limit": "1"}).json()["items"][0]["id"]
            for fmt in formats:
                export(client, backend, "warm-up", {"format": fmt, "project_id": one}, pid)
            for fmt in formats:
                say(f"{backend}: full export, {fmt}")
                # CSV to the end (a million rows through one stream); the others for a
                # bounded time, so the whole run stays within minutes on a shared machine.
                measured = export(
                    client,
                    backend,
                    f"export {fmt}",
                    {"format": fmt},
                    pid,
                    seconds=None if fmt == "csv" else export_seconds,
                )
                results.append(measured)
                say(f"  {measured.rows:,} rows in {measured.seconds:.1f} s")
            say(f"{backend}: paging the list API for {page_seconds:.0f} s")
            results.append(paging(client, backend, page_seconds, pid))
            since, changed = change_one_percent(target)
            say(f"{backend}: {changed:,} rows changed; incremental export")
            results.append(
                export(
                    client,
                    backend,
                    "incremental csv (1% changed)",
                    {"format": "csv", "updated_since": since.isoformat()},
                    pid,
                )
            )
    finally:
        stack.stop(timeout=10.0)
        target.engine.dispose()
    return results


# -- the table -----------------------------------------------------------------------------------


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def table(results: list[Measured]) -> str:
    lines = [
        "| backend | scenario | rows | seconds | rows/s | first byte s | MB | RSS before MB "
        "| RSS growth MB | server CPU s | ratio | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|:---:|",
    ]
    verdicts: list[str] = []
    for backend in dict.fromkeys(r.backend for r in results):
        mine = [r for r in results if r.backend == backend]
        page = next((r for r in mine if r.scenario.startswith("list API")), None)
        full_csv = next((r for r in mine if r.scenario == "export csv"), None)
        for r in mine:
            ratio = target = ""
            checks: list[bool] = []
            if r.scenario.startswith("export ") and page is not None and page.rows_per_second:
                fmt = r.scenario.split()[1]
                value = r.rows_per_second / page.rows_per_second
                ratio, target = f"{value:.1f}x", f"≥ {RATIO_TARGET[fmt]:.0f}x paging"
                checks.append(value >= RATIO_TARGET[fmt])
            if r.scenario.startswith("incremental") and full_csv is not None:
                value = r.seconds / full_csv.seconds
                cpu = (
                    f", CPU {r.server_cpu / full_csv.server_cpu:.1%}"
                    if r.server_cpu is not None and full_csv.server_cpu
                    else ""
                )
                ratio, target = f"{value:.1%}{cpu}", "< 5% of the full CSV"
                checks.append(value < INCREMENTAL_LIMIT)
            if r.first_byte is not None and not r.scenario.startswith("incremental"):
                target += ("; " if target else "") + "first byte < 0.5 s, RSS < 50 MB"
                checks.append(r.first_byte < FIRST_BYTE_LIMIT_S)
                checks.append(r.rss_growth_mb is not None and r.rss_growth_mb < RSS_LIMIT_MB)
            met = _met(all(checks)) if checks else ""
            if checks and not all(checks):
                verdicts.append(f"{backend} {r.scenario}")
            lines.append(
                f"| {backend} | {r.scenario} | {r.rows:,} | {r.seconds:.2f} "
                f"| {r.rows_per_second:,.0f} "
                f"| {'' if r.first_byte is None else f'{r.first_byte:.3f}'} "
                f"| {r.bytes / 1e6:,.1f} "
                f"| {'' if r.rss_before_mb is None else f'{r.rss_before_mb:.0f}'} "
                f"| {'' if r.rss_growth_mb is None else f'{r.rss_growth_mb:.1f}'} "
                f"| {'' if r.server_cpu is None else f'{r.server_cpu:.1f}'} "
                f"| {ratio} | {target} | {met} |"
            )
    lines.append("")
    lines.append(
        "Targets missed: " + "; ".join(verdicts) + "." if verdicts else "Every target met."
    )
    return "\n".join(lines)


def write(section: str, backends: Sequence[str]) -> None:
    text = EXPORTS_MD.read_text(encoding="utf-8") if EXPORTS_MD.exists() else ""
    begin, end = BEGIN_MARK.format("+".join(backends)), END_MARK.format("+".join(backends))
    block = f"{begin}\n{section}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = (text.rstrip() + "\n\n" if text else "# Exports benchmark\n\n") + block + "\n"
    EXPORTS_MD.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exports", description=__doc__)
    parser.add_argument(
        "--backend", action="append", choices=("sqlite", "postgresql"), default=None
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated")
    parser.add_argument("--page-seconds", type=float, default=20.0)
    parser.add_argument(
        "--export-seconds",
        type=float,
        default=60.0,
        help="NDJSON and XLSX are read for at most this long (CSV always to the end)",
    )
    parser.add_argument("--write", action="store_true", help="Update bench/EXPORTS.md")
    args = parser.parse_args(argv)
    formats = [f for f in args.formats.split(",") if f]
    if not formats or set(formats) - set(FORMATS):
        parser.error(f"--formats: some of {', '.join(FORMATS)}")

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    load_before = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    started = time.perf_counter()
    results: list[Measured] = []
    backends = args.backend or ["sqlite", "postgresql"]
    for backend in backends:
        results += bench_backend(
            backend, args.rows, formats, args.page_seconds, args.export_seconds, say
        )
    load_after = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = "\n".join(
        [
            f"## `python -m bench.exports --backend {' --backend '.join(backends)}`: "
            f"{args.rows:,} rows",
            "",
            f"- Date: {now}; total {time.perf_counter() - started:.0f} s",
            f"- Machine: {machine()}",
            f"- Load average (1/5/15 min) before / after: {load_before}; {load_after}",
            "- Dataset: `projects` (bench.dataset.bulk), served by the projects service "
            "directly (one uvicorn process); the client shares the machine's cores",
            "",
            table(results),
        ]
    )
    print(section)
    if args.write:
        write(section, backends)
    return 0


if __name__ == "__main__":
    sys.exit(main())
