"""`python -m bench.access`: what the stakeholders register costs a caller whose access the
projects service decides, against an admin's (issue #16 item 3; target: a governance page at
most 1.5x an admin page).

An admin's page needs nobody else. Any other caller's needs the teams they are on, one question
to the projects service per page however many projects the page's stakeholders are linked to
(before #16: one per linked project, 51 calls for 50 items, 30-59x the admin latency). Both
services run under uvicorn on the generated dataset (`make bench-data`), the stakeholders
service calling the projects service over HTTP. The governance caller is the dataset's busiest
team member (on the most teams). wrk keeps `--connections` requests in flight for `--seconds`
per caller and round; rounds alternate the two callers, and a figure is the median over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import sys
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.loadgen import Result, ensure_wrk, run_wrk
from bench.run import free_port, uvicorn_process
from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_{service}"
PAGE = "/v1/stakeholders?limit=50"
TARGET = 1.5


def _url(backend: str, data: Path, service: str) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{(data / f'{service}.db').resolve()}"
    return PG.format(service=service)


def busiest_member(backend: str, data: Path) -> tuple[str, int]:
    """The subject on the most teams, and how many."""
    statement = (
        "SELECT subject, count(*) FROM team_membership GROUP BY subject "
        "ORDER BY count(*) DESC, subject LIMIT 1"
    )
    if backend == "sqlite":
        with sqlite3.connect(data / "projects.db") as connection:
            subject, teams = connection.execute(statement).fetchone()
    else:
        import psycopg

        with psycopg.connect(_url(backend, data, "projects").replace("+psycopg", "")) as db:
            row = db.execute(statement).fetchone()
            assert row is not None
            subject, teams = row
    return str(subject), int(teams)


def bearer(subject: str, role: str) -> dict[str, str]:
    token = issue_token(
        key=DEV_JWT_KEY, subject=subject, roles=[role], issuer=DEV_ISSUER, audience=DEV_AUDIENCE
    )
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Caller:
    name: str
    headers: dict[str, str]
    results: list[Result]

    def median(self, field: str) -> float:
        values = [r.rps if field == "rps" else getattr(r, field) for r in self.results]
        return statistics.median(values)


def measure(
    base: str, callers: list[Caller], *, wrk: str, rounds: int, seconds: float, connections: int
) -> None:
    url = base + PAGE
    for caller in callers:
        check = httpx.get(url, headers=caller.headers, timeout=60, trust_env=False)
        if check.status_code != 200 or len(check.json()["items"]) != 50:
            raise RuntimeError(f"{caller.name}: {check.status_code} {check.text[:300]}")
        run_wrk(wrk, url, connections=connections, seconds=1, headers=caller.headers)  # warm-up
    for round_ in range(rounds):
        # Alternate which caller goes first, so neither always follows the other.
        for caller in callers if round_ % 2 == 0 else callers[::-1]:
            result = run_wrk(
                wrk, url, connections=connections, seconds=seconds, headers=caller.headers
            )
            if result.errors:
                raise RuntimeError(f"{caller.name}: {result.errors} errors")
            caller.results.append(result)


HEADER = (
    "| backend | caller | req/s | p50 ms | p99 ms | p50 ratio to admin | target | met |"
    " p50 ratio by round |\n"
    "|---|---|---:|---:|---:|---:|---:|:---:|---|"
)


def rows(backend: str, admin: Caller, other: Caller, teams: int) -> list[str]:
    ratios = [o.p50_ms / a.p50_ms for a, o in zip(admin.results, other.results, strict=True)]
    ratio = statistics.median(ratios)
    met = "yes" if ratio <= TARGET else "**no**"
    by_round = ", ".join(f"{r:.2f}x" for r in ratios)
    return [
        f"| {backend} | admin | {admin.median('rps'):,.0f} | {admin.median('p50_ms'):.1f} | "
        f"{admin.median('p99_ms'):.1f} | | | | |",
        f"| {backend} | {other.name} (on {teams} teams) | {other.median('rps'):,.0f} | "
        f"{other.median('p50_ms'):.1f} | {other.median('p99_ms'):.1f} | {ratio:.2f}x | "
        f"≤ {TARGET:g}x | {met} | {by_round} |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.access",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, default=Path("var/bench"))
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args(argv)
    wrk = ensure_wrk()
    if wrk is None:
        parser.error("wrk is needed (apt-get install wrk)")
    lines = [HEADER]
    for backend in args.backend or ["sqlite", "postgresql"]:
        if backend == "sqlite" and not (args.data / "projects.db").exists():
            print(f"no dataset in {args.data}: run `make bench-data` first", file=sys.stderr)
            return 2
        subject, teams = busiest_member(backend, args.data)
        admin = Caller("admin", bearer("bench-admin", "admin"), [])
        governance = Caller("governance", bearer(subject, "governance"), [])
        with tempfile.TemporaryDirectory(prefix="cmdi-access-") as directory, ExitStack() as stack:
            logs = Path(directory)
            pids: dict[str, int] = {}
            projects = stack.enter_context(
                uvicorn_process(
                    "projects_service.main:create_app",
                    free_port(),
                    {
                        "PROJECTS_DATABASE_URL": _url(backend, args.data, "projects"),
                        "PROJECTS_CONSUMER_ENABLED": "false",
                        "PROJECTS_LOG_LEVEL": "WARNING",
                    },
                    logs / "projects.log",
                    factory=True,
                    pids=pids,
                )
            )
            stakeholders = stack.enter_context(
                uvicorn_process(
                    "stakeholders_service.main:create_app",
                    free_port(),
                    {
                        "STAKEHOLDERS_DATABASE_URL": _url(backend, args.data, "stakeholders"),
                        "STAKEHOLDERS_SERVICE_URLS": json.dumps({"projects": projects}),
                        "STAKEHOLDERS_CONSUMER_ENABLED": "false",
                        "STAKEHOLDERS_RETENTION_ENABLED": "false",
                        "STAKEHOLDERS_LOG_LEVEL": "WARNING",
                    },
                    logs / "stakeholders.log",
                    factory=True,
                    pids=pids,
                )
            )
            print(f"{backend}: admin and governance ({subject}, {teams} teams)...", flush=True)
            measure(
                stakeholders,
                [admin, governance],
                wrk=wrk,
                rounds=args.rounds,
                seconds=args.seconds,
                connections=args.connections,
            )
        lines += rows(backend, admin, governance, teams)
        print("\n".join(lines[-2:]), flush=True)
    print()
    print("\n".join(lines))
    print(f"\nload average: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
