"""`make bench`: one run, on 127.0.0.1, at fixed concurrency, of

1. a bare FastAPI hello app under uvicorn (the baseline),
2. the same hello route through the gateway (pass-through cost),
3. a bare FastAPI app serving a 50-organisation `Page` from memory (the page baseline),
4. per database (SQLite, PostgreSQL): the floor (`bench.floor`: bare FastAPI + SQLAlchemy +
   pydantic reading the same organisation, and the same 50-item page, from the service's
   database), then GET one organisation directly from the stakeholders service (auth,
   database), the same through the gateway, and a 50-item page of them; with
   `--before REF` also the same three with the `shared` and `gateway` packages as they were at
   REF (`bench.revisions`), so before and after are measured in one run,
5. the baseline again (drift check: the machine is shared, so a drifting baseline says how far
   to trust the ratios).

Every process is a separate uvicorn (`--no-access-log`, log level warning); the SQLite database
is in a temporary directory, the PostgreSQL one a fresh `bench_run_<pid>` on 127.0.0.1:5432,
both migrated first. Prints the table and writes bench/RESULTS.md (the section between the
`make bench` markers; the rest of the file is kept). `make bench` (`bench.all`) runs this and
then the dataset benchmarks (`bench.lists`, `bench.reports`, `bench.aggregates`, `bench.stall`,
`bench.feed`, `bench.exports`), each writing its own section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import httpx

from bench.loadgen import Result, ensure_wrk, run_python, run_wrk
from bench.revisions import describe, packages_at
from shared.auth import issue_token
from shared.migrations import upgrade
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
STAKEHOLDERS_INI = ROOT / "services" / "stakeholders" / "alembic.ini"


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    url: str
    headers: dict[str, str]
    target: float | None  # the issue's minimum ratio to its baseline
    baseline: str = "baseline"  # the scenario of the same round its ratio is taken against
    # The replacement target (#16's note): a minimum ratio to the stack's own floor, the same
    # request served by bare FastAPI + SQLAlchemy + pydantic (`bench.floor`) or, through the
    # gateway, the service answering directly.
    floor: str | None = None
    floor_target: float | None = None


@dataclass(frozen=True)
class Measured:
    """One scenario over every round: medians, so one noisy round cannot decide the verdict."""

    scenario: Scenario
    results: list[Result]
    ratios: list[float]  # each round's req/s over that round's baseline
    cpu: list[dict[str, float]]  # each round's server CPU per request, µs
    floor_ratios: list[float]  # each round's req/s over that round's floor scenario

    @property
    def cpu_text(self) -> str:
        """Servers that did work for this scenario: median CPU µs per request."""
        names = {name for round_ in self.cpu for name in round_}
        medians = {name: statistics.median(r.get(name, 0.0) for r in self.cpu) for name in names}
        floor = 0.05 * max(medians.values(), default=0.0)  # idle servers only tick now and then
        busy = sorted(
            (n for n, value in medians.items() if value > floor), key=lambda n: medians[n]
        )
        return ", ".join(f"{name} {medians[name]:,.0f}" for name in reversed(busy))

    @property
    def rps(self) -> float:
        return statistics.median(result.rps for result in self.results)

    @property
    def p50_ms(self) -> float:
        return statistics.median(result.p50_ms for result in self.results)

    @property
    def p99_ms(self) -> float:
        return statistics.median(result.p99_ms for result in self.results)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def met(self) -> bool | None:
        return None if self.scenario.target is None else self.ratio >= self.scenario.target

    @property
    def floor_ratio(self) -> float | None:
        return statistics.median(self.floor_ratios) if self.floor_ratios else None

    @property
    def floor_met(self) -> bool | None:
        target, ratio = self.scenario.floor_target, self.floor_ratio
        return None if target is None or ratio is None else ratio >= target


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def uvicorn_process(
    app: str,
    port: int,
    env: dict[str, str],
    log: Path,
    *,
    factory: bool,
    pids: dict[str, int],
    ready_path: str | None = None,
) -> Iterator[str]:
    command = [
        sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    if factory:
        command.append("--factory")
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{app} exited at startup; see {log}:\n{log.read_text()[-2000:]}"
                )
            try:
                if (
                    httpx.get(
                        url + (ready_path or ("/healthz" if factory else "/hello")), timeout=1
                    ).status_code
                    == 200
                ):
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{app} did not start in 30 s; see {log}")
            time.sleep(0.1)
        pids[log.stem] = process.pid
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """User + system CPU of each server process so far (Linux /proc; empty elsewhere)."""
    used = {}
    for name, pid in pids.items():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        used[name] = (int(fields[11]) + int(fields[12])) / _TICKS
    return used


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}, uvicorn {version('uvicorn')} "
        f"(uvloop {version('uvloop')}, httptools {version('httptools')}), "
        f"FastAPI {version('fastapi')}, aiohttp {version('aiohttp')}"
    )


def measure(
    scenario: Scenario,
    *,
    wrk: str | None,
    connections: int,
    seconds: float,
    warmup: float,
    pids: dict[str, int],
) -> tuple[Result, dict[str, float]]:
    """The scenario's result, and each server's CPU per request in µs while it ran."""

    def run(duration: float) -> Result:
        if wrk is not None:
            return run_wrk(
                wrk,
                scenario.url,
                connections=connections,
                seconds=duration,
                headers=scenario.headers,
            )
        return run_python(
            scenario.url, connections=connections, seconds=duration, headers=scenario.headers
        )

    if warmup > 0:
        run(warmup)
    before = cpu_seconds(pids)
    result = run(seconds)
    after = cpu_seconds(pids)
    if result.errors:
        raise RuntimeError(
            f"{scenario.title}: {result.errors} failed requests of {result.requests}"
        )
    cpu = {
        name: (after[name] - before[name]) / max(result.requests, 1) * 1e6
        for name in after
        if name in before
    }
    return result, cpu


def _verdict(ratio: float | None, target: float | None) -> str:
    if ratio is None:
        return ""
    if target is None:
        return f"{ratio:.2f}x"
    met = "yes" if ratio >= target else "**no**"
    return f"{ratio:.2f}x (≥ {target:.2f}x: {met})"


def table(rows: list[Measured]) -> str:
    number = {row.scenario.key: index for index, row in enumerate(rows, 1)}
    lines = [
        "| # | scenario | req/s | p50 ms | p99 ms | to baseline (#16's target) "
        "| to the floor (replacement target) | server CPU µs/request | req/s by round |",
        "|---|---|---:|---:|---:|---|---|---|---|",
    ]
    for index, row in enumerate(rows, 1):
        scenario = row.scenario
        baseline = _verdict(row.ratio, scenario.target)
        if scenario.key != scenario.baseline:
            baseline += f" of #{number[scenario.baseline]}"
        floor = _verdict(row.floor_ratio, scenario.floor_target)
        if scenario.floor is not None:
            floor += f" of #{number[scenario.floor]}"
        rounds = ", ".join(f"{result.rps:,.0f}" for result in row.results)
        lines.append(
            f"| {index} | {scenario.title} | {row.rps:,.0f} | {row.p50_ms:.2f} | "
            f"{row.p99_ms:.2f} | {baseline} | {floor} | {row.cpu_text} | {rounds} |"
        )
    return "\n".join(lines)


def load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


# The replacement targets, as minimum req/s ratios measured in the same round (bench/RESULTS.md
# says why #16's ratios to the hello app are the wrong measure for this stack):
# - service: GET one organisation against the floor app's GET of the same row;
# - gateway: the same GET through the gateway against the service answering directly;
# - page: the 50-item page against the floor app's page of the same rows.
FLOOR_TARGETS = {"service": 0.65, "gateway": 0.8, "page": 0.6}

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BEGIN_MARK = "<!-- make bench: begin -->"
END_MARK = "<!-- make bench: end -->"


@contextmanager
def database_url(backend: str, temp: Path) -> Iterator[str]:
    """A migrated, empty stakeholders database for `backend`."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{temp / 'stakeholders.db'}"
        upgrade(STAKEHOLDERS_INI, url)
        yield url
        return
    import psycopg

    name = f"bench_run_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        upgrade(STAKEHOLDERS_INI, url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def write_results(section: str) -> None:
    """Replace this run's section of RESULTS.md, keeping what other benchmarks recorded."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    block = f"{BEGIN_MARK}\n{section}\n{END_MARK}"
    if BEGIN_MARK in text and END_MARK in text:
        start, end = text.index(BEGIN_MARK), text.index(END_MARK) + len(END_MARK)
        text = text[:start] + block + text[end:]
    else:
        title, _, rest = text.partition("\n")
        text = f"{title}\n\n{block}\n{rest}"
    RESULTS.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="times each scenario is measured")
    parser.add_argument("--seconds", type=float, default=6.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured seconds before each")
    parser.add_argument(
        "--connections", type=int, default=32, help="concurrent keep-alive connections"
    )
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--before", help="git revision of `shared` and `gateway` to compare with")
    parser.add_argument(
        "--no-write", action="store_true", help="print only; leave RESULTS.md alone"
    )
    parser.add_argument(
        "--dataset",
        type=Path,
        help="also run bench.stall and bench.feed on this `make bench-data` output (print only)",
    )
    args = parser.parse_args()
    backends = args.backend or ["sqlite", "postgresql"]

    wrk = None if args.loadgen == "python" else ensure_wrk()
    if args.loadgen == "wrk" and wrk is None:
        parser.error("wrk is not installed and could not be installed")
    loadgen = f"wrk 1 thread ({wrk})" if wrk else "Python aiohttp closed loop (bench/loadgen.py)"
    print(
        f"Load generator: {loadgen}; {args.connections} connections, "
        f"{args.rounds} rounds of {args.warmup:g} + {args.seconds:g} s per scenario",
        flush=True,
    )

    token = issue_token(
        key=DEV_JWT_KEY,
        subject="bench",
        roles=["governance"],
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
    )
    bearer = {"Authorization": f"Bearer {token}"}
    pids: dict[str, int] = {}
    dead = f"http://127.0.0.1:{free_port()}"
    quiet = {"LOG_LEVEL": "WARNING", "LOG_JSON": "true"}
    # The load comes from one token: the gateway's rate limit would turn it into 429s.
    unlimited = {"GATEWAY_RATE_LIMITS": '{"default": "100000000/minute"}'}
    revisions: list[str | None] = [None] if args.before is None else [None, args.before]

    with tempfile.TemporaryDirectory(prefix="cmdi-bench-") as directory, ExitStack() as stack:
        temp = Path(directory)
        per_backend: list[Scenario] = []
        page_file = temp / "page.json"
        for backend in backends:
            url = stack.enter_context(database_url(backend, temp))
            services: dict[str | None, str] = {}
            for ref in revisions:
                env = {
                    "STAKEHOLDERS_DATABASE_URL": url,
                    "STAKEHOLDERS_CONSUMER_ENABLED": "false",
                    "STAKEHOLDERS_RETENTION_ENABLED": "false",
                } | {f"STAKEHOLDERS_{k}": v for k, v in quiet.items()}
                suffix = "" if ref is None else f"@{ref}"
                if ref is not None:
                    env["PYTHONPATH"] = packages_at(ref, ["shared", "gateway"], temp / f"r-{ref}")
                services[ref] = stack.enter_context(
                    uvicorn_process(
                        "stakeholders_service.main:create_app",
                        free_port(),
                        env,
                        temp / f"stakeholders-{backend}{suffix}.log",
                        factory=True,
                        pids=pids,
                    )
                )
            ids = []
            for index in range(50):
                created = httpx.post(
                    f"{services[None]}/v1/organisations",
                    json={"name": f"Benchmark Trust {index:02}", "type": "nhs_trust"},
                    headers=bearer,
                    timeout=10,
                )
                created.raise_for_status()
                ids.append(created.json()["id"])
            organisation = ids[0]
            page_url = f"{services[None]}/v1/organisations?limit=50"
            page = httpx.get(page_url, headers=bearer, timeout=10)
            page.raise_for_status()
            if not page_file.exists():
                page_file.write_text(page.text)
            floor = stack.enter_context(
                uvicorn_process(
                    "bench.floor:app",
                    free_port(),
                    {"BENCH_FLOOR_DATABASE_URL": url},
                    temp / f"floor-{backend}.log",
                    factory=False,
                    pids=pids,
                    ready_path=f"/organisations/{organisation}",
                )
            )
            per_backend += [
                Scenario(
                    f"floor-{backend}",
                    f"floor ({backend}): bare FastAPI + SQLAlchemy, GET the same organisation",
                    f"{floor}/organisations/{organisation}",
                    {},
                    None,
                ),
                Scenario(
                    f"floor-page-{backend}",
                    f"floor ({backend}): bare FastAPI + SQLAlchemy, the same 50 organisations",
                    f"{floor}/organisations?limit=50",
                    {},
                    None,
                    baseline="memory-page",
                ),
            ]
            for ref in revisions:
                suffix = "" if ref is None else f"@{ref}"
                env = (
                    {
                        "GATEWAY_SERVICE_URLS__PROJECTS": dead,
                        "GATEWAY_SERVICE_URLS__STAKEHOLDERS": services[ref],
                        "GATEWAY_SERVICE_URLS__ASSESSMENT": dead,
                    }
                    | {f"GATEWAY_{k}": v for k, v in quiet.items()}
                    | unlimited
                )
                if ref is not None:
                    env["PYTHONPATH"] = str(temp / f"r-{ref}")
                gateway = stack.enter_context(
                    uvicorn_process(
                        "gateway.main:create_app",
                        free_port(),
                        env,
                        temp / f"gateway-{backend}{suffix}.log",
                        factory=True,
                        pids=pids,
                    )
                )
                label = "" if ref is None else f" [before: {ref}]"
                per_backend += [
                    Scenario(
                        f"service-{backend}{suffix}",
                        f"stakeholders ({backend}): GET organisation{label}",
                        f"{services[ref]}/v1/organisations/{organisation}",
                        bearer,
                        0.25,
                        floor=f"floor-{backend}",
                        floor_target=FLOOR_TARGETS["service"],
                    ),
                    Scenario(
                        f"gateway-{backend}{suffix}",
                        f"gateway → stakeholders ({backend}): GET organisation{label}",
                        f"{gateway}/api/v1/organisations/{organisation}",
                        bearer,
                        0.20,
                        floor=f"service-{backend}{suffix}",
                        floor_target=FLOOR_TARGETS["gateway"],
                    ),
                    Scenario(
                        f"page-{backend}{suffix}",
                        f"stakeholders ({backend}): GET 50 organisations{label}",
                        f"{services[ref]}/v1/organisations?limit=50",
                        bearer,
                        0.40,
                        baseline="memory-page",
                        floor=f"floor-page-{backend}",
                        floor_target=FLOOR_TARGETS["page"],
                    ),
                ]
        hello = stack.enter_context(
            uvicorn_process(
                "bench.hello:app",
                free_port(),
                {"BENCH_PAGE_FILE": str(page_file)},
                temp / "hello.log",
                factory=False,
                pids=pids,
            )
        )
        pass_gateway = stack.enter_context(
            uvicorn_process(
                "gateway.main:create_app",
                free_port(),
                {
                    # The pass-through scenario routes `projects` to the bare hello app.
                    "GATEWAY_SERVICE_URLS__PROJECTS": hello,
                    "GATEWAY_SERVICE_URLS__STAKEHOLDERS": dead,
                    "GATEWAY_SERVICE_URLS__ASSESSMENT": dead,
                }
                | {f"GATEWAY_{k}": v for k, v in quiet.items()}
                | unlimited,
                temp / "gateway-pass.log",
                factory=True,
                pids=pids,
            )
        )
        scenarios = [
            Scenario("baseline", "bare FastAPI hello (baseline)", f"{hello}/hello", {}, None),
            Scenario(
                "pass",
                "gateway → bare hello (pass-through)",
                f"{pass_gateway}/api/v1/projects/hello",
                {},
                0.25,
            ),
            Scenario(
                "memory-page",
                "bare FastAPI: the same 50-item Page from memory (page baseline)",
                f"{hello}/page",
                {},
                None,
            ),
            *per_backend,
            Scenario("drift", "bare FastAPI hello again (drift check)", f"{hello}/hello", {}, None),
        ]
        for scenario in scenarios:
            check = httpx.get(scenario.url, headers=scenario.headers, timeout=10)
            if check.status_code != 200:
                raise RuntimeError(f"{scenario.url} answered {check.status_code}: {check.text}")
        load_before = load_average()
        results: dict[str, list[Result]] = {scenario.key: [] for scenario in scenarios}
        ratios: dict[str, list[float]] = {scenario.key: [] for scenario in scenarios}
        floor_ratios: dict[str, list[float]] = {scenario.key: [] for scenario in scenarios}
        cpu: dict[str, list[dict[str, float]]] = {scenario.key: [] for scenario in scenarios}
        for round_ in range(1, args.rounds + 1):
            print(f"Round {round_} of {args.rounds}", flush=True)
            for scenario in scenarios:
                print(f"  {scenario.title}...", end=" ", flush=True)
                result, used = measure(
                    scenario,
                    wrk=wrk,
                    connections=args.connections,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    pids=pids,
                )
                cpu[scenario.key].append(used)
                results[scenario.key].append(result)
                reference = results[scenario.baseline][-1] if results[scenario.baseline] else result
                ratios[scenario.key].append(result.rps / reference.rps)
                if scenario.floor is not None:
                    floor_ratios[scenario.key].append(result.rps / results[scenario.floor][-1].rps)
                print(
                    f"{result.rps:,.0f} req/s, p50 {result.p50_ms:.2f} ms, "
                    f"p99 {result.p99_ms:.2f} ms",
                    flush=True,
                )
        load_after = load_average()

    rows = [
        Measured(item, results[item.key], ratios[item.key], cpu[item.key], floor_ratios[item.key])
        for item in scenarios
    ]
    rendered = table(rows)
    drift = rows[-1].ratio - 1
    missed = [row.scenario.title for row in rows if row.met is False]
    verdict = (
        "All of #16's targets met." if not missed else f"#16's targets missed: {'; '.join(missed)}."
    )
    missed_floor = [row.scenario.title for row in rows if row.floor_met is False]
    verdict += (
        " All replacement targets met."
        if not missed_floor
        else f" Replacement targets missed: {'; '.join(missed_floor)}."
    )
    print()
    print(rendered)
    print(f"\nBaseline drift (last run vs first, median): {drift:+.1%}. {verdict}")

    if not args.no_write:
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        before = f" `--before {args.before}` ({describe(args.before)})." if args.before else ""
        write_results(
            "## `make bench`: request path against a bare FastAPI app\n\n"
            "Written by `make bench` (`python -m bench.run`); rerun it to refresh this section."
            f"{before}\n\n"
            f"- Date: {now}\n"
            f"- Machine: {machine()}\n"
            f"- Load average (1/5/15 min) before / after: {load_before}; {load_after}\n"
            f"- Load generator: {loadgen}, {args.connections} concurrent keep-alive connections, "
            f"all on 127.0.0.1\n"
            f"- {args.rounds} rounds; in each, every scenario in order: {args.warmup:g} s warm-up, "
            f"then {args.seconds:g} s measured. Figures are medians over the rounds; a ratio is "
            "the median of each round's req/s over that round's baseline (the hello app; for "
            "the 50-item pages, the same page served from memory by a bare FastAPI app with "
            'our `Page` model: ≥ 0.40x is "within 2.5x"). The floor column is the '
            "replacement target: the same ratio against the same request served by bare "
            "FastAPI + SQLAlchemy + pydantic on the same database connection (`bench.floor`), "
            "or, through the gateway, against the service answering directly\n"
            "- Processes: one uvicorn each (`--no-access-log --log-level warning`, uvloop and "
            "httptools), services' own logs at WARNING; the load generator, gateways and "
            "services share the same CPUs\n\n"
            f"{rendered}\n\n"
            f"Baseline drift (last run vs first, median): {drift:+.1%}. {verdict}\n\n"
            "Reading it: through the gateway each request crosses two server processes, and all "
            "processes share the same cores, so the gateway's cost shows both as its own CPU and "
            "as CPU taken from the server behind it. Server CPU per request is read from /proc "
            "while each scenario runs, so it is the figure least disturbed by other load on the "
            "machine.\n"
        )
        print(f"Wrote {RESULTS.relative_to(ROOT)}")
    if args.dataset is not None:
        from bench import feed, stall

        for name, run in (("bench.stall", stall.main), ("bench.feed", feed.main)):
            print(f"\n{name} on {args.dataset}:", flush=True)
            options = ["--data", str(args.dataset), *(f"--backend={b}" for b in backends)]
            if run(options) != 0:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
