"""`python -m bench.stall`: does one heavy read stall the other requests of its service? (issue
#16 item 2; target: a GET's p99 under a concurrent heavy aggregate at most 2x its idle p99.)

The projects service runs under uvicorn on the generated dataset (`make bench-data`: SQLite files
in `--data`, or the `bench_projects` PostgreSQL database). wrk keeps `--probe-connections`
GETs of one project in flight; each round measures them idle, then while a second client calls
the heavy read back to back (closed loop, one connection). A round's ratio is its loaded p99 over
its idle p99; the verdict is the median over the rounds.

On SQLite `--budgets` starts the service once per inline budget (`sqlite_inline_budget_ms`): a
huge budget runs every read on the event loop, as before issue #16 item 2 (the "before" figure),
the default 2 ms moves a statement to a worker thread once it has used its budget.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.loadgen import Result, ensure_wrk, run_wrk
from bench.run import free_port, uvicorn_process
from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_projects"
# Heavy reads of the projects service at 10,000 projects: the portfolio aggregate, and a text
# search that matches nothing (a scan of the whole table before its text index, item 5).
HEAVY = {
    "key-people": "/v1/projects/key-people?limit=200",
    "search-miss": "/v1/projects?q=zzqx&limit=200",
}
TARGET = 2.0


@dataclass
class HeavyLoop:
    """Calls `url` back to back on one connection until stopped; keeps each call's latency."""

    url: str
    headers: dict[str, str]
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _run(self) -> None:
        with httpx.Client(headers=self.headers, timeout=60, trust_env=False) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                response = client.get(self.url)
                self.latencies.append((time.perf_counter() - started) * 1000)
                self.errors += response.status_code != 200

    @contextmanager
    def running(self) -> Iterator[HeavyLoop]:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        time.sleep(0.5)  # the first call is under way before the probe starts
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(120)


@dataclass
class Round:
    idle: Result
    loaded: Result
    heavy_ms: float  # median latency of the heavy read during the loaded probe
    heavy_calls: int

    @property
    def ratio(self) -> float:
        return self.loaded.p99_ms / self.idle.p99_ms if self.idle.p99_ms else float("inf")


def _project_id(data: Path, backend: str) -> str:
    if backend == "sqlite":
        with sqlite3.connect(data / "projects.db") as connection:
            found = connection.execute(
                "SELECT id FROM project ORDER BY id LIMIT 1 OFFSET 500"
            ).fetchone()
        return str(uuid.UUID(str(found[0])))  # SQLite keeps a UUID as 32 hex digits
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", "")) as connection:
        row = connection.execute("SELECT id FROM project ORDER BY id LIMIT 1 OFFSET 500").fetchone()
    assert row is not None
    return str(row[0])


def measure(
    *,
    base: str,
    project: str,
    heavy_path: str,
    bearer: dict[str, str],
    wrk: str,
    rounds: int,
    seconds: float,
    connections: int,
) -> list[Round]:
    probe = f"{base}/v1/projects/{project}"
    for url in (probe, f"{base}{heavy_path}"):
        check = httpx.get(url, headers=bearer, timeout=60, trust_env=False)
        if check.status_code != 200:
            raise RuntimeError(f"{url} answered {check.status_code}: {check.text[:300]}")
    run_wrk(wrk, probe, connections=connections, seconds=1, headers=bearer)  # warm-up
    results = []
    for _ in range(rounds):
        idle = run_wrk(wrk, probe, connections=connections, seconds=seconds, headers=bearer)
        heavy = HeavyLoop(f"{base}{heavy_path}", bearer)
        with heavy.running():
            before = len(heavy.latencies)
            loaded = run_wrk(wrk, probe, connections=connections, seconds=seconds, headers=bearer)
            during = heavy.latencies[before:] or heavy.latencies
        if heavy.errors or idle.errors or loaded.errors:
            raise RuntimeError(f"errors: heavy {heavy.errors}, probe {idle.errors + loaded.errors}")
        results.append(Round(idle, loaded, statistics.median(during), len(during)))
    return results


def _ms(results: list[Result]) -> str:
    return " / ".join(
        f"{statistics.median(getattr(r, name) for r in results):.1f}"
        for name in ("p50_ms", "p90_ms", "p99_ms")
    )


def row(label: str, heavy: str, rounds: list[Round]) -> str:
    ratio = statistics.median(r.ratio for r in rounds)
    p90 = statistics.median(r.loaded.p90_ms / r.idle.p90_ms for r in rounds if r.idle.p90_ms)
    heavy_ms = statistics.median(r.heavy_ms for r in rounds)
    met = "yes" if ratio <= TARGET else "**no**"
    by_round = ", ".join(f"{r.ratio:.2f}x" for r in rounds)
    return (
        f"| {label} | {heavy} ({heavy_ms:,.0f} ms) | {_ms([r.idle for r in rounds])} | "
        f"{_ms([r.loaded for r in rounds])} | {p90:.2f}x | {ratio:.2f}x | ≤ {TARGET:.0f}x | "
        f"{met} | {by_round} |"
    )


HEADER = (
    "| backend (inline budget) | heavy read (its median) | GET p50 / p90 / p99 ms, idle | "
    "GET p50 / p90 / p99 ms, under the heavy read | p90 ratio | p99 ratio | target (p99) | met "
    "| p99 ratio by round |\n"
    "|---|---|---:|---:|---:|---:|---:|:---:|---|"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.stall",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=Path("var/bench"))
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--heavy", choices=sorted(HEAVY), action="append")
    parser.add_argument(
        "--budgets", default="1e9,2", help="SQLite inline budgets in ms, comma-separated"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--probe-connections", type=int, default=4)
    args = parser.parse_args(argv)
    wrk = ensure_wrk()
    if wrk is None:
        parser.error("wrk is needed (apt-get install wrk)")
    token = issue_token(
        key=DEV_JWT_KEY, subject="bench", roles=["admin"], issuer=DEV_ISSUER, audience=DEV_AUDIENCE
    )
    bearer = {"Authorization": f"Bearer {token}"}
    lines = [HEADER]
    for backend in args.backend or ["sqlite", "postgresql"]:
        if backend == "sqlite" and not (args.data / "projects.db").exists():
            print(f"no dataset in {args.data}: run `make bench-data` first", file=sys.stderr)
            return 2
        url = (
            f"sqlite+aiosqlite:///{(args.data / 'projects.db').resolve()}"
            if backend == "sqlite"
            else PG_URL
        )
        project = _project_id(args.data, backend)
        budgets = [float(b) for b in args.budgets.split(",")] if backend == "sqlite" else [None]
        for budget in budgets:
            env = {
                "PROJECTS_DATABASE_URL": url,
                "PROJECTS_CONSUMER_ENABLED": "false",
                "PROJECTS_LOG_LEVEL": "WARNING",
            }
            label = backend
            if budget is not None:
                env["PROJECTS_SQLITE_INLINE_BUDGET_MS"] = str(budget)
                label = f"sqlite ({'all inline' if budget >= 1e6 else f'{budget:g} ms'})"
            with tempfile.TemporaryDirectory(prefix="cmdi-stall-") as directory:
                pids: dict[str, int] = {}
                with uvicorn_process(
                    "projects_service.main:create_app",
                    free_port(),
                    env,
                    Path(directory) / "projects.log",
                    factory=True,
                    pids=pids,
                ) as base:
                    for heavy in args.heavy or sorted(HEAVY):
                        print(f"{label}, {heavy}...", flush=True)
                        rounds = measure(
                            base=base,
                            project=project,
                            heavy_path=HEAVY[heavy],
                            bearer=bearer,
                            wrk=wrk,
                            rounds=args.rounds,
                            seconds=args.seconds,
                            connections=args.probe_connections,
                        )
                        lines.append(row(label, heavy, rounds))
                        print(lines[-1], flush=True)
    print()
    print("\n".join(lines))
    print(f"\nload average: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
