"""`make bench` (`python -m bench.all`): the dataset when it is missing, then every benchmark, in
one bounded run (at most 16 minutes, about 12 on a quiet 2-core machine, once the dataset
exists), each writing its section of bench/RESULTS.md.

1. The dataset (`bench.dataset`, `--projects`, 10,000 by default): SQLite files in `--data`
   (var/bench) and the `bench_<service>` PostgreSQL databases. Generated only when missing
   (`--regenerate` forces it); `<data>/dataset.json` records what this command generated, so a
   dataset of another size is generated again.
2. The benchmarks, each in its own process with a time limit, shortened from their own
   defaults to fit the bound (every option is theirs, listed in `STEPS`): `bench.run` (request
   path against a bare FastAPI app; writes its own section), `bench.lists`, `bench.reports`,
   `bench.aggregates`, `bench.stall`, `bench.access`, `bench.feed`, and `bench.exports` when
   that module is present. Each one's output becomes its section of RESULTS.md, between
   `<!-- make bench: bench.<name> begin/end -->` markers; the rest of the file is kept. A
   benchmark that fails or runs out of time gets a section saying so, and the others still run.

    make bench                                  # everything, both databases
    make bench BENCH_ARGS="--backend sqlite --only run,lists"
    .venv/bin/python -m bench.all --quick       # shorter rounds (a smoke run, ~4 minutes)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.dataset import SERVICES

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
RUN_SECTION_END = "<!-- make bench: end -->"


@dataclass(frozen=True)
class Options:
    data: Path
    backends: tuple[str, ...]
    quick: bool
    results: Path = RESULTS


@dataclass(frozen=True)
class Step:
    name: str  # the module under bench/
    what: str  # a line for the section's heading
    args: Callable[[Options], list[str]]
    timeout: float  # seconds
    writes_own_section: bool = False


def _backends(options: Options) -> list[str]:
    return [f"--backend={backend}" for backend in options.backends]


def _run_args(options: Options) -> list[str]:
    rounds, seconds = ("2", "3") if options.quick else ("3", "4")
    # bench.run writes its own section of RESULTS.md; elsewhere its output becomes one.
    own = [] if options.results == RESULTS else ["--no-write"]
    return ["--rounds", rounds, "--seconds", seconds, *_backends(options), *own]


def _lists_args(options: Options) -> list[str]:
    runs = "5" if options.quick else "10"
    return ["--dir", str(options.data), "--rounds", "2", "--runs", runs, *_backends(options)]


def _reports_args(options: Options) -> list[str]:
    where = []
    if "sqlite" in options.backends:
        where += ["--sqlite", str(options.data)]
    if "postgresql" in options.backends:
        where += ["--postgresql", "bench"]
    iterations = "3" if options.quick else "5"
    return [*_backends(options), *where, "--iterations", iterations, "--budget", "10"]


def _aggregates_args(options: Options) -> list[str]:
    # SQLite only: the module reads the dataset's files in-process.
    return ["--data", str(options.data), "--repeat", "3"]


def _access_args(options: Options) -> list[str]:
    seconds = "2" if options.quick else "3"
    return ["--data", str(options.data), "--rounds", "3", "--seconds", seconds, *_backends(options)]


def _stall_args(options: Options) -> list[str]:
    seconds = "2" if options.quick else "3"
    # Three rounds: the verdict is their median, and a median of two is their mean, which one
    # noisy round on 2 cores decides (PostgreSQL key-people: rounds 1.08x and 3.20x).
    return ["--data", str(options.data), "--rounds", "3", "--seconds", seconds, *_backends(options)]


def _feed_args(options: Options) -> list[str]:
    seconds = "3" if options.quick else "4"
    return ["--data", str(options.data), "--rounds", "2", "--seconds", seconds, *_backends(options)]


def _exports_args(options: Options) -> list[str]:
    rows = "20000" if options.quick else "100000"
    return [*_backends(options), "--rows", rows, "--page-seconds", "5"]


# The limits add up to 16 minutes; a run on a quiet 2-core machine takes about 12.
STEPS = (
    # 14 scenarios (the floor's included) x 3 rounds x 5 s, plus starting 9 processes.
    Step("run", "request path against a bare FastAPI app", _run_args, 255, True),
    Step("lists", "list queries against raw SQL (item 5, 6)", _lists_args, 60),
    Step("reports", "the four reports", _reports_args, 90),
    Step("aggregates", "aggregate reads, time and memory (items 1, 4)", _aggregates_args, 45),
    # (SQLite inline, SQLite budgeted, PostgreSQL) x 2 heavy reads x 3 rounds, idle and loaded.
    Step("stall", "a GET under a heavy read (item 2)", _stall_args, 190),
    # 2 backends x 2 callers x 3 rounds x 3 s, plus starting 4 processes.
    Step(
        "access", "the register for a governance caller against an admin (item 3)", _access_args, 75
    ),
    Step("feed", "direct and merged change feeds (item 9)", _feed_args, 90),
    Step("exports", "exports against paging the list API (#12)", _exports_args, 150),
)


def _say(line: str) -> None:
    print(line, flush=True)


# -- the dataset ----------------------------------------------------------------------------


def _sqlite_present(data: Path) -> bool:
    return all((data / f"{service}.db").is_file() for service in SERVICES)


def _postgresql_present() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=5) as connection:
            names = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
    except psycopg.Error:
        return False
    return all(f"bench_{service}" in names for service in SERVICES)


def _generated(data: Path) -> dict[str, int]:
    try:
        recorded: dict[str, int] = json.loads((data / "dataset.json").read_text())
    except (OSError, ValueError):
        return {}
    return recorded


def ensure_dataset(options: Options, projects: int, *, regenerate: bool) -> None:
    """Generate each backend's dataset unless one is there (of `projects`, if this command
    generated it)."""
    recorded = _generated(options.data)
    for backend in options.backends:
        present = _sqlite_present(options.data) if backend == "sqlite" else _postgresql_present()
        known = recorded.get(backend)
        # Written before a generation starts and removed once it succeeded: an interrupted
        # one leaves files that must not pass for a dataset.
        incomplete = options.data / f".incomplete-{backend}"
        if present and not regenerate and not incomplete.exists() and known in (None, projects):
            size = f"{known:,} projects" if known else "made by `make bench-data`"
            _say(f"dataset ({backend}): present ({size})")
            continue
        _say(f"dataset ({backend}): generating {projects:,} projects (minutes of CPU)...")
        started = time.perf_counter()
        options.data.mkdir(parents=True, exist_ok=True)
        incomplete.touch()
        command = [
            sys.executable,
            "-m",
            "bench.dataset",
            "--projects",
            str(projects),
            "--backend",
            backend,
            "--out",
            str(options.data),
        ]
        subprocess.run(["nice", "-n", "10", *command], cwd=ROOT, check=True)
        recorded[backend] = projects
        (options.data / "dataset.json").write_text(json.dumps(recorded, indent=2) + "\n")
        incomplete.unlink()
        _say(f"dataset ({backend}): {time.perf_counter() - started:.0f} s")


# -- RESULTS.md sections --------------------------------------------------------------------


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- make bench: bench.{name} begin -->", f"<!-- make bench: bench.{name} end -->"


def write_section(name: str, body: str, path: Path = RESULTS) -> None:
    """Replace bench.<name>'s section, or add it after the last section `make bench` wrote."""
    begin, end = _markers(name)
    block = f"{begin}\n{body.rstrip()}\n\n{end}"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        anchor = _last_section_end(text)
        if anchor is None:
            text = text.rstrip() + "\n\n" + block + "\n"
        else:
            text = text[:anchor] + "\n\n" + block + text[anchor:]
    path.write_text(text)


def _last_section_end(text: str) -> int | None:
    """Where the last `make bench` section ends (the sections stay together, in order)."""
    ends = [text.rfind(RUN_SECTION_END)]
    ends += [text.rfind(_markers(step.name)[1]) for step in STEPS]
    position = max(ends)
    if position < 0:
        return None
    return text.index("-->", position) + 3


def _section(step: Step, command: list[str], output: str, outcome: str, seconds: float) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    shown = " ".join(command[1:])
    return (
        f"## `make bench`: bench.{step.name} ({step.what})\n\n"
        f"Written by `make bench` (`python {shown}`), {now}, {seconds:.0f} s, {outcome}; load "
        f"average after: {load}. Rounds are shorter than the module's own defaults (to keep "
        f"`make bench` bounded); run it alone for the full figures.\n\n"
        f"```text\n{output.strip()}\n```\n"
    )


def _stop_group(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the step's process group (uvicorn servers shut down cleanly), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_step(step: Step, options: Options) -> bool:
    command = [sys.executable, "-m", f"bench.{step.name}", *step.args(options)]
    _say(f"\n== bench.{step.name}: {' '.join(command[3:])}")
    started = time.perf_counter()
    # Its own process group: on timeout the servers it started go with it, not just itself.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=step.timeout)
        output = stdout + (f"\n{stderr.strip()[-3000:]}" if process.returncode else "")
        ok = process.returncode == 0
        outcome = "completed" if ok else f"**failed** (exit {process.returncode})"
    except subprocess.TimeoutExpired:
        _stop_group(process)
        stdout, _ = process.communicate()
        output = stdout + f"\n(stopped after {step.timeout:.0f} s)"
        outcome = f"**stopped at its {step.timeout:.0f} s limit**"
        ok = False
    seconds = time.perf_counter() - started
    _say(output.strip()[-4000:])
    _say(f"bench.{step.name}: {outcome}, {seconds:.0f} s")
    if not step.writes_own_section or not ok or options.results != RESULTS:
        write_section(step.name, _section(step, command, output, outcome, seconds), options.results)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.all",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--projects", type=int, default=10000, help="dataset size if missing")
    parser.add_argument("--data", type=Path, default=Path("var/bench"), help="SQLite dataset")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--only", help="comma-separated benchmarks (run,lists,...)")
    parser.add_argument("--quick", action="store_true", help="shorter rounds: a smoke run")
    parser.add_argument("--regenerate", action="store_true", help="generate the dataset anew")
    parser.add_argument("--no-data", action="store_true", help="never generate the dataset")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the file to write")
    args = parser.parse_args(argv)
    options = Options(
        data=args.data if args.data.is_absolute() else ROOT / args.data,
        backends=tuple(args.backend or ("sqlite", "postgresql")),
        quick=args.quick,
        results=args.results.resolve(),
    )
    chosen = [
        step
        for step in STEPS
        if (not args.only or step.name in args.only.split(","))
        and importlib.util.find_spec(f"bench.{step.name}") is not None
    ]
    started = time.perf_counter()
    if not args.no_data and any(step.name != "run" for step in chosen):
        ensure_dataset(options, args.projects, regenerate=args.regenerate)
    failed = [step.name for step in chosen if not run_step(step, options)]
    total = time.perf_counter() - started
    _say(f"\nmake bench: {len(chosen)} benchmarks in {total / 60:.1f} min; wrote {options.results}")
    if failed:
        _say(f"failed or stopped: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
