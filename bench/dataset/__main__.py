"""`python -m bench.dataset --projects 1000 --backend sqlite --out var/bench`: generate a dataset
into each service's own database and print the rows per table and the time taken."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.dataset import SERVICES
from bench.dataset.generate import Report, run
from bench.dataset.plan import Scale
from bench.dataset.store import DEFAULT_PG


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=__doc__)
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--out", type=Path, default=Path("var/bench"), help="SQLite files here")
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        metavar="SERVICE=URL",
        help="An existing empty database for a service (async URL, as the service uses it)",
    )
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG, help="Creates bench_<service>")
    per = parser.add_argument_group("per project (defaults: the issues' figures)")
    defaults = Scale(projects=1)
    for name in (
        "stage_changes",
        "team_members",
        "assessments",
        "decisions",
        "stakeholders",
        "engagements",
        "stakeholder_assessments",
        "events",
    ):
        per.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    parser.add_argument("--json", action="store_true", help="Print the report as JSON")
    return parser


def _print(report: Report) -> None:
    for service in SERVICES:
        rows = report.counts[service]
        size = report.sizes[service] / 1e6
        print(f"\n{service}  ({sum(rows.values()):,} rows, {size:,.1f} MB)  {report.urls[service]}")
        for table, count in rows.items():
            if count:
                print(f"  {table:<32} {count:>12,}")
    timings = ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items())
    print(f"\nseconds: {timings}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    urls = dict(item.split("=", 1) for item in args.database_url)
    unknown = set(urls) - set(SERVICES)
    if unknown:
        print(f"unknown service(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    scale = Scale(
        projects=args.projects,
        seed=args.seed,
        stage_changes=args.stage_changes,
        team_members=args.team_members,
        assessments=args.assessments,
        decisions=args.decisions,
        stakeholders=args.stakeholders,
        engagements=args.engagements,
        stakeholder_assessments=args.stakeholder_assessments,
        events=args.events,
    )
    report = run(
        scale,
        backend=args.backend,
        out=args.out,
        urls=urls,
        admin_dsn=args.pg_admin_url,
        say=lambda line: print(line, file=sys.stderr, flush=True),
    )
    if args.json:
        print(json.dumps(report.__dict__, indent=2))
    else:
        _print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
