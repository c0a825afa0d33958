"""`python -m bench.reports --backend sqlite --backend postgresql`: warm latency of the four
reports (issue #11 "Performance") through the gateway, on `bench.dataset`'s datasets.

For each dataset (by default 1,000 projects in `var/bench-1k` / `bench1k_*` and 10,000 in
`var/bench-10k` / `bench_*`; `--sqlite DIR` and `--postgresql PREFIX` choose others) the database
is migrated to head, the real processes are started (`scripts.processes.Stack`: the three
services, reporting and the gateway, on free ports of 127.0.0.1, consumers and retention off)
and each report is asked for `--warmup` times unmeasured, then `--iterations` times in a row (or
until `--budget` seconds have passed): the portfolio unfiltered and with one filter (the
dataset's largest directorate), the evidence pack of a decision, the board pack of the busiest
meeting, the dossier of the decided project with the most engagements.

Upstream calls are counted from the services' own `/metrics` (`http_request_duration_seconds`
per route, read before and after a report's measured calls): calls per report, and the mean
time of each upstream route, which is where a slow report spends its time. Prints the tables;
`--write` puts them in bench/REPORTS.md between the markers (the rest of the file is kept).
Generate a missing dataset with `make bench-data` (see bench/dataset/README.md); this module
never generates one (that takes minutes).

One module (over the usual 400 lines) because it is one command: the dataset's facts, the
stack, the measurement and the tables it writes; nothing else imports its parts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from bench.dataset import SERVICES as DATASET_SERVICES
from bench.run import cpu_seconds
from scripts.processes import ALL_PROCESSES, Stack, allocate_ports
from scripts.services import REPORTING, ROOT, SERVICES
from shared.auth import issue_token
from shared.migrations import upgrade
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

REPORTS_MD = ROOT / "bench" / "REPORTS.md"
BEGIN_MARK = "<!-- bench.reports: begin -->"
END_MARK = "<!-- bench.reports: end -->"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# The default datasets and their sizes (`make bench-data` writes var/bench, which other
# benchmarks share and may hold an older dataset: these have their own directories).
DEFAULT_SQLITE = {"var/bench-1k": 1000, "var/bench-10k": 10000}
DEFAULT_PG = {"bench1k": 1000, "bench": 10000}
# p50 targets of issue #11, ms (the board pack has none).
TARGETS = {"portfolio": 1000.0, "evidence": 300.0, "dossier": 300.0}
UPSTREAMS = [service.name for service in SERVICES if service.name in DATASET_SERVICES]
Say = Callable[[str], None]


@dataclass(frozen=True)
class Dataset:
    backend: str
    where: str  # the SQLite directory or the PostgreSQL prefix, as given
    urls: dict[str, str]  # service → async URL, as the service is given it


def sqlite_dataset(directory: Path) -> Dataset:
    urls = {s: f"sqlite+aiosqlite:///{(directory / f'{s}.db').resolve()}" for s in UPSTREAMS}
    shown = directory.resolve()
    where = shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown
    return Dataset("sqlite", str(where), urls)


def postgresql_dataset(prefix: str, server: str = PG_SERVER) -> Dataset:
    return Dataset("postgresql", prefix, {s: f"{server}/{prefix}_{s}" for s in UPSTREAMS})


def _sync(url: str) -> str:
    return url.replace("sqlite+aiosqlite", "sqlite")  # psycopg serves both


def _uuid(value: Any) -> str:
    return str(uuid.UUID(str(value)))  # SQLite keeps a UUID as 32 hex digits


@dataclass
class Facts:
    """What the dataset holds, and the subjects of the single-object reports."""

    projects: int
    decisions: int
    engagements: int
    sizes_mb: dict[str, float]
    directorate: str
    decision: str | None
    dossier_project: str
    dossier_engagements: int
    forum: str | None
    meeting_date: str | None


def inspect(dataset: Dataset) -> Facts:
    """Counts, sizes and subjects, read from the databases (not through the API: the busiest
    project is a GROUP BY no endpoint offers)."""
    rows: dict[str, Any] = {}
    sizes: dict[str, float] = {}
    for service, url in dataset.urls.items():
        engine = create_engine(_sync(url))
        try:
            with engine.connect() as connection:
                run = connection.execute
                if dataset.backend == "postgresql":
                    size = run(text("SELECT pg_database_size(current_database())")).scalar_one()
                else:
                    files = (ROOT / dataset.where).glob(f"{service}.db*")
                    size = sum(path.stat().st_size for path in files)
                sizes[service] = size / 1e6
                if service == "projects":
                    rows["projects"] = run(text("SELECT count(*) FROM project")).scalar_one()
                    rows["directorate"] = run(
                        text(
                            "SELECT directorate FROM project WHERE directorate IS NOT NULL "
                            "GROUP BY directorate ORDER BY count(*) DESC, directorate LIMIT 1"
                        )
                    ).scalar_one()
                elif service == "assessment":
                    rows["decided"] = run(
                        text("SELECT id, project_id FROM decision ORDER BY decided_at DESC")
                    ).all()
                    rows["meeting"] = run(
                        text(
                            "SELECT forum, meeting_date FROM decision "
                            "WHERE meeting_date IS NOT NULL GROUP BY forum, meeting_date "
                            "ORDER BY count(*) DESC, meeting_date DESC LIMIT 1"
                        )
                    ).first()
                else:
                    rows["engagements"] = run(text("SELECT count(*) FROM engagement")).scalar_one()
                    rows["engaged"] = run(
                        text(
                            "SELECT project_id, count(*) FROM engagement_project "
                            "GROUP BY project_id"
                        )
                    ).all()
        finally:
            engine.dispose()
    if rows["engagements"] and not rows["engaged"]:
        # Generated before the dataset wrote engagement_project: every per-project engagement
        # figure would read as none, and the reports would be measured on the wrong data.
        raise RuntimeError(
            f"{dataset.where}: engagements without engagement_project rows; regenerate it"
        )
    engaged = {_uuid(project): count for project, count in rows["engaged"]}
    latest: dict[str, str] = {}  # project → its newest decision
    for decision, project in rows["decided"]:
        latest.setdefault(_uuid(project), _uuid(decision))
    candidates = list(latest) or list(engaged)
    dossier = max(candidates, key=lambda project: (engaged.get(project, 0), project))
    meeting = rows["meeting"]
    return Facts(
        projects=rows["projects"],
        decisions=len(rows["decided"]),
        engagements=rows["engagements"],
        sizes_mb=sizes,
        directorate=rows["directorate"],
        decision=latest.get(dossier),
        dossier_project=dossier,
        dossier_engagements=engaged.get(dossier, 0),
        forum=meeting[0] if meeting else None,
        meeting_date=str(meeting[1])[:10] if meeting else None,
    )


@dataclass(frozen=True)
class Scenario:
    key: str  # the report, as TARGETS names it
    title: str
    path: str  # under /api/v1
    params: dict[str, str]


def scenarios(facts: Facts) -> list[Scenario]:
    board = {"forum": facts.forum, "meeting_date": facts.meeting_date} if facts.forum else {}
    found = [
        Scenario("portfolio", "portfolio", "/reports/portfolio", {}),
        Scenario(
            "portfolio",
            "portfolio, directorate filter",
            "/reports/portfolio",
            {"directorate": facts.directorate},
        ),
    ]
    if facts.decision is not None:
        found.append(
            Scenario(
                "evidence", "evidence pack", f"/reports/decisions/{facts.decision}/evidence", {}
            )
        )
    found += [
        Scenario(
            "board_pack", "board pack", "/reports/board-pack", {k: v for k, v in board.items() if v}
        ),
        Scenario("dossier", "dossier", f"/reports/projects/{facts.dossier_project}/dossier", {}),
    ]
    return found


Route = tuple[str, str, str]  # service, method, route template


def scrape(stack: Stack, client: httpx.Client) -> dict[Route, tuple[float, float]]:
    """Each `/v1` route's (requests, seconds) so far, per process, from its `/metrics`."""
    found: dict[Route, tuple[float, float]] = {}
    for name in [*UPSTREAMS, REPORTING.name]:
        body = client.get(f"{stack.url(name)}/metrics").text
        counts: dict[Route, float] = {}
        sums: dict[Route, float] = {}
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                route = sample.labels.get("route", "")
                if not route.startswith("/v1/"):
                    continue
                key = (name, sample.labels["method"], route)
                if sample.name == "http_request_duration_seconds_count":
                    counts[key] = sample.value
                elif sample.name == "http_request_duration_seconds_sum":
                    sums[key] = sample.value
        found |= {key: (counts[key], sums.get(key, 0.0)) for key in counts}
    return found


@dataclass
class Measured:
    scenario: Scenario
    times_ms: list[float]
    calls: dict[Route, float]  # upstream route → calls per report
    route_ms: dict[Route, float]  # upstream route → mean ms per call
    server_ms: float  # the reporting process's own mean time for the report
    size: int  # the report's body, bytes
    # CPU per report of each process (the database server's own is not in it on PostgreSQL):
    # steadier than the latency on a shared machine.
    cpu_ms: dict[str, float] = field(default_factory=dict)

    @property
    def cpu_total(self) -> float:
        return sum(self.cpu_ms.values())

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p90(self) -> float:
        if len(self.times_ms) < 2:
            return self.times_ms[0]
        return statistics.quantiles(self.times_ms, n=10, method="inclusive")[8]

    @property
    def upstream_calls(self) -> float:
        return sum(self.calls.values())

    @property
    def met(self) -> bool | None:
        target = TARGETS.get(self.scenario.key)
        return None if target is None else self.p50 < target


def measure(
    stack: Stack,
    api: httpx.Client,
    scenario: Scenario,
    *,
    iterations: int,
    warmup: int,
    budget: float,
) -> Measured:
    size = 0

    def ask() -> float:
        nonlocal size
        started = time.perf_counter()
        response = api.get(scenario.path, params=scenario.params)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or response.json().get("missing_sections"):
            raise RuntimeError(f"{scenario.title}: {response.status_code} {response.text[:500]}")
        size = len(response.content)
        return elapsed

    for _ in range(warmup):
        ask()
    with httpx.Client(timeout=10, trust_env=False) as plain:
        pids = {name: p.pid for name, p in stack.processes.items() if p.pid is not None}
        before = scrape(stack, plain)
        cpu_before = cpu_seconds(pids)
        times: list[float] = []
        deadline = time.monotonic() + budget
        while len(times) < iterations and (not times or time.monotonic() < deadline):
            times.append(ask())
        cpu_after = cpu_seconds(pids)
        after = scrape(stack, plain)
    n = len(times)
    cpu = {
        name: (cpu_after[name] - cpu_before[name]) / n * 1000
        for name in cpu_after
        if name in cpu_before
    }
    calls: dict[Route, float] = {}
    route_ms: dict[Route, float] = {}
    server_ms = 0.0
    for key, (count, seconds) in after.items():
        old_count, old_seconds = before.get(key, (0.0, 0.0))
        if count == old_count:
            continue
        mean_ms = (seconds - old_seconds) / (count - old_count) * 1000
        if key[0] == REPORTING.name:
            server_ms = mean_ms
        else:
            calls[key] = (count - old_count) / n
            route_ms[key] = mean_ms
    return Measured(scenario, times, calls, route_ms, server_ms, size, cpu)


@dataclass
class DatasetResult:
    dataset: Dataset
    facts: Facts
    rows: list[Measured] = field(default_factory=list)
    load: list[str] = field(default_factory=list)  # before, after


def load_average() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def bench_dataset(
    dataset: Dataset, *, iterations: int, warmup: int, budget: float, say: Say
) -> DatasetResult:
    for service in SERVICES:
        if service.name in dataset.urls:
            upgrade(service.alembic_ini, dataset.urls[service.name])
    facts = inspect(dataset)
    say(f"{dataset.backend} {dataset.where}: {facts.projects:,} projects")
    result = DatasetResult(dataset, facts, load=[load_average()])
    quiet = {
        f"{name.upper()}_LOG_LEVEL": "WARNING" for name in [*UPSTREAMS, "reporting", "gateway"]
    }
    env = (
        quiet
        | {f"{name.upper()}_CONSUMER_ENABLED": "false" for name in UPSTREAMS}
        | {
            "STAKEHOLDERS_RETENTION_ENABLED": "false",
            # A slow report is a figure to record, not a 504.
            "REPORTING_UPSTREAM_READ_TIMEOUT": "120",
            "GATEWAY_PROXY_READ_TIMEOUT": "120",
        }
    )
    token = issue_token(
        key=DEV_JWT_KEY,
        subject="bench-secretary",
        roles=["governance"],
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
    )
    # The reports read the three data services; integrations (webhooks, clients) is not started.
    processes = [s for s in ALL_PROCESSES if s.name != "integrations"]
    with Stack(
        ports=allocate_ports(), database_urls=dataset.urls, env=env, services=processes
    ) as stack:
        stack.start()
        stack.wait_ready(timeout=120)
        with httpx.Client(
            base_url=f"{stack.gateway_url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(180.0, connect=5.0),
            trust_env=False,
        ) as api:
            for scenario in scenarios(facts):
                row = measure(
                    stack, api, scenario, iterations=iterations, warmup=warmup, budget=budget
                )
                result.rows.append(row)
                say(
                    f"  {scenario.title}: p50 {row.p50:,.1f} ms, p90 {row.p90:,.1f} ms "
                    f"(n={len(row.times_ms)}), {row.upstream_calls:g} upstream calls"
                )
    result.load.append(load_average())
    return result


# -- tables ----------------------------------------------------------------------------------


def _calls_text(row: Measured) -> str:
    per_service = dict.fromkeys(UPSTREAMS, 0.0)
    for (service, _, _), count in row.calls.items():
        per_service[service] += count
    inner = ", ".join(f"{name} {count:g}" for name, count in per_service.items() if count)
    return f"{row.upstream_calls:g} ({inner})"


def _cpu_text(row: Measured) -> str:
    if not row.cpu_ms:
        return ""
    busiest = sorted(row.cpu_ms, key=lambda name: -row.cpu_ms[name])[:2]
    inner = ", ".join(f"{name} {row.cpu_ms[name]:,.0f}" for name in busiest)
    return f"{row.cpu_total:,.0f} ({inner})"


def _slowest(row: Measured) -> str:
    if not row.route_ms:
        return ""
    service, method, route = max(row.route_ms, key=lambda key: row.route_ms[key])
    return f"{service} {method} {route} ({row.route_ms[(service, method, route)]:,.0f} ms)"


def table(results: Iterable[DatasetResult]) -> str:
    lines = [
        "| backend | projects | report | p50 ms | p90 ms | n | target p50 | met | "
        "reporting ms | CPU ms (busiest) | body kB | upstream calls | "
        "slowest upstream call (mean) |",
        "|---|---:|---|---:|---:|---:|---:|:---:|---:|---|---:|---|---|",
    ]
    for result in results:
        for row in result.rows:
            target = TARGETS.get(row.scenario.key)
            met = {None: "", True: "yes", False: "**no**"}[row.met]
            lines.append(
                f"| {result.dataset.backend} | {result.facts.projects:,} | {row.scenario.title} | "
                f"{row.p50:,.1f} | {row.p90:,.1f} | {len(row.times_ms)} | "
                f"{f'< {target:,.0f} ms' if target else ''} | {met} | {row.server_ms:,.1f} | "
                f"{_cpu_text(row)} | {row.size / 1000:,.1f} | "
                f"{_calls_text(row)} | {_slowest(row)} |"
            )
    return "\n".join(lines)


def growth(results: list[DatasetResult]) -> str:
    """The portfolio's p50 at the largest dataset over the smallest, per backend and variant."""
    lines = [
        "| backend | report | projects (small → large) | p50 ms small → large | ratio "
        "| upstream calls small → large |",
        "|---|---|---|---|---:|---|",
    ]
    for backend in dict.fromkeys(result.dataset.backend for result in results):
        sized = sorted(
            (r for r in results if r.dataset.backend == backend), key=lambda r: r.facts.projects
        )
        if len(sized) < 2:
            continue
        small, large = sized[0], sized[-1]
        for before, after in zip(small.rows, large.rows, strict=False):
            if before.scenario.key != "portfolio" or after.scenario.title != before.scenario.title:
                continue
            lines.append(
                f"| {backend} | {before.scenario.title} | {small.facts.projects:,} → "
                f"{large.facts.projects:,} | {before.p50:,.1f} → {after.p50:,.1f} | "
                f"{after.p50 / before.p50:.2f}x | {before.upstream_calls:g} → "
                f"{after.upstream_calls:g} |"
            )
    return "\n".join(lines)


def profile(results: Iterable[DatasetResult]) -> str:
    """Every upstream route each report called: calls per report and mean ms per call."""
    lines = [
        "| backend | projects | report | upstream route | calls | mean ms |",
        "|---|---:|---|---|---:|---:|",
    ]
    for result in results:
        for row in result.rows:
            for key in sorted(row.route_ms, key=lambda k: -row.route_ms[k]):
                service, method, route = key
                lines.append(
                    f"| {result.dataset.backend} | {result.facts.projects:,} | "
                    f"{row.scenario.title} | {service} `{method} {route}` | "
                    f"{row.calls[key]:g} | {row.route_ms[key]:,.1f} |"
                )
    return "\n".join(lines)


def datasets_text(results: Iterable[DatasetResult]) -> str:
    lines = [
        "| backend | where | projects | decisions | engagements | MB (projects / assessment / "
        "stakeholders) | dossier's project: engagements | board pack | "
        "load average before; after |",
        "|---|---|---:|---:|---:|---|---:|---|---|",
    ]
    for result in results:
        facts = result.facts
        sizes = " / ".join(f"{facts.sizes_mb[name]:,.0f}" for name in UPSTREAMS)
        meeting = (
            f"{facts.forum}, {facts.meeting_date}" if facts.forum else "the period's decisions"
        )
        lines.append(
            f"| {result.dataset.backend} | `{result.dataset.where}` | {facts.projects:,} | "
            f"{facts.decisions:,} | {facts.engagements:,} | {sizes} | "
            f"{facts.dossier_engagements:,} | "
            f"{meeting} | {'; '.join(result.load)} |"
        )
    return "\n".join(lines)


def render(results: list[DatasetResult], *, iterations: int, warmup: int) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"Measured by `python -m bench.reports` on {now}: {warmup} warm-up calls, then "
        f"up to {iterations} measured calls per report, one after another, through the "
        "gateway (client on 127.0.0.1, same machine).\n\n"
        f"### Datasets\n\n{datasets_text(results)}\n\n"
        f"### Latency and upstream calls\n\n{table(results)}\n\n"
        f"### Portfolio growth\n\n{growth(results)}\n\n"
        f"### Upstream calls, timed (the services' own time per call)\n\n{profile(results)}\n"
    )


def write_section(section: str, path: Path = REPORTS_MD) -> None:
    """Replace the generated section of REPORTS.md, keeping the rest."""
    text_ = path.read_text() if path.exists() else "# Reports: latency and upstream calls\n"
    block = f"{BEGIN_MARK}\n{section}{END_MARK}"
    if BEGIN_MARK in text_ and END_MARK in text_:
        start, end = text_.index(BEGIN_MARK), text_.index(END_MARK) + len(END_MARK)
        text_ = text_[:start] + block + text_[end:]
    else:
        text_ = f"{text_.rstrip()}\n\n{block}\n"
    path.write_text(text_)


def _present(dataset: Dataset) -> bool:
    if dataset.backend == "sqlite":
        return all((ROOT / dataset.where / f"{s}.db").exists() for s in UPSTREAMS)
    import psycopg

    with psycopg.connect(f"{PG_SERVER.replace('+psycopg', '')}/postgres") as connection:
        names = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
    return all(f"{dataset.where}_{s}" in names for s in UPSTREAMS)


def _how(dataset: Dataset) -> str:
    """How to generate a missing dataset (bench/dataset/README.md), minutes of CPU."""
    generate = "nice .venv/bin/python -m bench.dataset"
    if dataset.backend == "sqlite":
        projects = DEFAULT_SQLITE.get(dataset.where, 10000)
        return f"`{generate} --projects {projects} --backend sqlite --out {dataset.where}`"
    projects = DEFAULT_PG.get(dataset.where, 10000)
    if dataset.where == "bench":
        return f"`make bench-data PROJECTS={projects} BACKEND=postgresql`"
    urls = " ".join(f"--database-url {s}={url}" for s, url in dataset.urls.items())
    return (
        f"create the empty databases {', '.join(f'{dataset.where}_{s}' for s in UPSTREAMS)}, "
        f"then `{generate} --projects {projects} --backend postgresql {urls}`"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--sqlite", type=Path, action="append", help="a dataset's directory")
    parser.add_argument("--postgresql", action="append", help="a dataset's prefix (bench_*)")
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument(
        "--budget", type=float, default=60.0, help="seconds of measured calls per report at most"
    )
    parser.add_argument("--write", action="store_true", help="update bench/REPORTS.md")
    args = parser.parse_args(argv)
    datasets: list[Dataset] = []
    for backend in args.backend or ["sqlite", "postgresql"]:
        if backend == "sqlite":
            chosen = args.sqlite or [ROOT / where for where in DEFAULT_SQLITE]
            datasets += [sqlite_dataset(Path(d)) for d in chosen]
        else:
            datasets += [postgresql_dataset(p) for p in args.postgresql or DEFAULT_PG]
    missing = [d for d in datasets if not _present(d)]
    if missing:
        for dataset in missing:
            print(
                f"no {dataset.backend} dataset at {dataset.where}; {_how(dataset)}", file=sys.stderr
            )
        return 2
    results = [
        bench_dataset(
            dataset,
            iterations=args.iterations,
            warmup=args.warmup,
            budget=args.budget,
            say=lambda line: print(line, flush=True),
        )
        for dataset in datasets
    ]
    section = render(results, iterations=args.iterations, warmup=args.warmup)
    print()
    print(section)
    if args.write:
        write_section(section)
        print(f"Wrote {REPORTS_MD.relative_to(ROOT)}")
    missed = [
        f"{r.dataset.backend} {r.facts.projects:,}: {row.scenario.title}"
        for r in results
        for row in r.rows
        if row.met is False
    ]
    print("All targets met." if not missed else f"Targets missed: {'; '.join(missed)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
