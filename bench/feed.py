"""`python -m bench.feed`: the gateway's merged change feed against a service's own feed, in
events/s (issue #16 item 9; target: merged ≥ 0.8x direct).

The three services run under uvicorn on the generated dataset (`make bench-data`: SQLite files
in `--data`, or the `bench_<service>` PostgreSQL databases), each with its own feed of 250,000 to
425,000 events, and one gateway per revision in front of them: today's code, and with
`--before REF` also the gateway package as it was at REF (`bench.revisions`). wrk reads 200-event
pages from the start of the history: `GET /v1/events?limit=200` of the stakeholders service
(direct) and `GET /api/v1/events?limit=200` of each gateway (merged). Each round measures every
scenario once; a ratio is the merged events/s over the same round's direct events/s, and the
figures are medians over the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.dataset import SERVICES
from bench.loadgen import Result, ensure_wrk, run_wrk
from bench.revisions import describe, packages_at
from bench.run import cpu_seconds, free_port, uvicorn_process
from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

LIMIT = 200
TARGET = 0.8


@dataclass(frozen=True)
class Scenario:
    title: str
    url: str


def _database_url(backend: str, data: Path, service: str, pg_prefix: str = "bench_") -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{(data / f'{service}.db').resolve()}"
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_prefix}{service}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.feed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=Path("var/bench"))
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--before", action="append", default=[], help="git revision(s)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--pg-prefix",
        default="bench_",
        help="PostgreSQL databases <prefix><service> (a dataset generated with --database-url)",
    )
    args = parser.parse_args(argv)
    wrk = ensure_wrk()
    if wrk is None:
        parser.error("wrk is needed (apt-get install wrk)")
    token = issue_token(
        key=DEV_JWT_KEY,
        subject="bench",
        roles=["service"],
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
    )
    bearer = {"Authorization": f"Bearer {token}"}
    lines = [
        "| backend | feed | events/s | p50 ms | p99 ms | ratio to direct | target | met "
        "| server CPU ms/page | events/s by round |",
        "|---|---|---:|---:|---:|---:|---:|:---:|---|---|",
    ]
    for backend in args.backend or ["sqlite", "postgresql"]:
        with tempfile.TemporaryDirectory(prefix="cmdi-feed-") as directory, ExitStack() as stack:
            temp = Path(directory)
            pids: dict[str, int] = {}
            urls = {}
            for service in SERVICES:
                prefix = service.upper() + "_"
                database = _database_url(backend, args.data, service, args.pg_prefix)
                env = {
                    f"{prefix}DATABASE_URL": database,
                    f"{prefix}CONSUMER_ENABLED": "false",
                    f"{prefix}LOG_LEVEL": "WARNING",
                    "STAKEHOLDERS_RETENTION_ENABLED": "false",
                }
                urls[service] = stack.enter_context(
                    uvicorn_process(
                        f"{service}_service.main:create_app",
                        free_port(),
                        env,
                        temp / f"{service}.log",
                        factory=True,
                        pids=pids,
                    )
                )
            gateway_env = {f"GATEWAY_SERVICE_URLS__{s.upper()}": u for s, u in urls.items()}
            gateway_env["GATEWAY_LOG_LEVEL"] = "WARNING"
            # Counted, so the limiter's cost is in the figures, but never reached by wrk's one
            # token (gateways of revisions without rate limits ignore it).
            gateway_env["GATEWAY_RATE_LIMITS"] = '{"default": "100000000/minute"}'
            scenarios = [
                Scenario(
                    "direct: stakeholders GET /v1/events",
                    f"{urls['stakeholders']}/v1/events?limit={LIMIT}",
                )
            ]
            for ref in [None, *args.before]:
                env = dict(gateway_env)
                name = "gateway" if ref is None else f"gateway@{ref}"
                if ref is not None:
                    env["PYTHONPATH"] = packages_at(ref, ["gateway"], temp / f"rev-{ref}")
                gateway = stack.enter_context(
                    uvicorn_process(
                        "gateway.main:create_app",
                        free_port(),
                        env,
                        temp / f"{name}.log",
                        factory=True,
                        pids=pids,
                    )
                )
                title = "merged: gateway GET /api/v1/events" + (
                    "" if ref is None else f" at {describe(ref)}"
                )
                scenarios.append(Scenario(title, f"{gateway}/api/v1/events?limit={LIMIT}"))
            for scenario in scenarios:
                page = httpx.get(scenario.url, headers=bearer, timeout=60, trust_env=False)
                page.raise_for_status()
                if len(page.json()["items"]) != LIMIT:
                    raise RuntimeError(f"{scenario.url}: a page of {len(page.json()['items'])}")
                run_wrk(wrk, scenario.url, connections=args.connections, seconds=1, headers=bearer)
            results: dict[str, list[Result]] = {s.title: [] for s in scenarios}
            cpu: dict[str, list[float]] = {s.title: [] for s in scenarios}
            for round_ in range(args.rounds):
                print(f"{backend}: round {round_ + 1} of {args.rounds}", flush=True)
                for scenario in scenarios:
                    before = cpu_seconds(pids)
                    result = run_wrk(
                        wrk,
                        scenario.url,
                        connections=args.connections,
                        seconds=args.seconds,
                        headers=bearer,
                    )
                    after = cpu_seconds(pids)
                    if result.errors:
                        raise RuntimeError(f"{scenario.title}: {result.errors} errors")
                    used = sum(after[n] - before.get(n, after[n]) for n in after)
                    cpu[scenario.title].append(used / max(result.requests, 1) * 1000)
                    results[scenario.title].append(result)
                    print(f"  {scenario.title}: {result.rps * LIMIT:,.0f} events/s", flush=True)
            direct = results[scenarios[0].title]
            for scenario in scenarios:
                mine = results[scenario.title]
                ratios = [m.rps / d.rps for m, d in zip(mine, direct, strict=True)]
                ratio = statistics.median(ratios)
                is_direct = scenario is scenarios[0]
                met = "" if is_direct else ("yes" if ratio >= TARGET else "**no**")
                lines.append(
                    f"| {backend} | {scenario.title} | "
                    f"{statistics.median(r.rps for r in mine) * LIMIT:,.0f} | "
                    f"{statistics.median(r.p50_ms for r in mine):.1f} | "
                    f"{statistics.median(r.p99_ms for r in mine):.1f} | {ratio:.2f}x | "
                    f"{'' if is_direct else f'≥ {TARGET}x'} | {met} | "
                    f"{statistics.median(cpu[scenario.title]):.1f} | "
                    f"{', '.join(f'{r.rps * LIMIT:,.0f}' for r in mine)} |"
                )
    print()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
