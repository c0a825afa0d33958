"""`python -m bench.inprocess [--before REF]`: the CPU one request costs inside the stakeholders
service, without sockets, uvicorn or a load generator: raw ASGI calls on the app, timed with
`time.process_time()` (CPU of this process only, so the figure moves less with other load on a
shared machine than req/s does).

Each path is called `--calls` times per sample; the figure is the best of `--samples`. With
`--before REF` every backend is measured alternately with today's code and with the read-path
files of `shared` as they were at REF (`bench.revisions`), in child processes, three times each,
and the best of each is kept; `--tree REF` instead puts the whole `shared` and
`stakeholders_service` packages of REF in front (a step of the lean read path, which touches
both, measured against the commit before it). Backends: SQLite (a temporary file) and
PostgreSQL (a fresh `bench_inproc_<pid>` database on 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("/healthz", "/v1/organisations/{id}", "/v1/organisations?limit=50")


async def _measure(url: str, calls: int, samples: int) -> dict[str, float]:
    from shared.auth import issue_token
    from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY
    from stakeholders_service.main import create_app
    from stakeholders_service.settings import Settings

    token = issue_token(
        key=DEV_JWT_KEY, subject="b", roles=["governance"], issuer=DEV_ISSUER, audience=DEV_AUDIENCE
    )
    app = create_app(
        Settings(
            database_url=url, consumer_enabled=False, retention_enabled=False, log_level="WARNING"
        )
    )
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]

    async def call(method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        target, _, query = path.partition("?")
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": target,
            "raw_path": target.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": headers + ([(b"content-type", b"application/json")] if body else []),
            "client": ("127.0.0.1", 1),
            "server": ("bench", 80),
            "state": {},
        }
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])

    results: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        ids = []
        for index in range(50):
            body = json.dumps({"name": f"Benchmark Trust {index:02}", "type": "nhs_trust"})
            status, answer = await call("POST", "/v1/organisations", body.encode())
            assert status == 201, answer
            ids.append(json.loads(answer)["id"])
        for template in PATHS:
            path = template.replace("{id}", ids[0])
            for _ in range(200):
                status, answer = await call("GET", path)
                assert status == 200, answer
            best = float("inf")
            for _ in range(samples):
                started = time.process_time()
                for _ in range(calls):
                    await call("GET", path)
                best = min(best, (time.process_time() - started) / calls * 1e6)
            results[template] = best
    await app.state.database.dispose()
    return results


def _child(args: argparse.Namespace) -> int:
    print(json.dumps(asyncio.run(_measure(args.url, args.calls, args.samples))))
    return 0


def _database(backend: str, temp: Path, tag: str) -> tuple[str, Any]:
    from shared.migrations import upgrade

    ini = ROOT / "services" / "stakeholders" / "alembic.ini"
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{temp / f'{tag}.db'}"
        upgrade(ini, url)
        return url, lambda: None
    import psycopg

    name = f"bench_inproc_{os.getpid()}_{tag}"
    admin_url = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    upgrade(ini, url)

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return url, drop


_TREES = {
    "shared/src": ["shared/src/shared"],
    "services/stakeholders/src": ["services/stakeholders"],
}


def _trees_at(ref: str, into: Path) -> str:
    """`shared` and the stakeholders service (with its alembic.ini and migrations, which the
    app reads) exactly as at `ref`, in the repository's layout; returns the PYTHONPATH."""
    into.mkdir(parents=True, exist_ok=True)
    sources = [source for group in _TREES.values() for source in group]
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, *sources], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return os.pathsep.join(str(into / path) for path in _TREES)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.inprocess",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--before", help="git revision of the read-path files of `shared`")
    parser.add_argument("--tree", help="git revision of the whole `shared` and stakeholders")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3, help="child runs per revision")
    parser.add_argument("--url", help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args(argv)
    if args.url:
        return _child(args)
    from bench.revisions import describe, packages_at

    if args.tree:
        if args.before:
            parser.error("--before and --tree are alternatives")
        args.before = args.tree

    rows = []
    with tempfile.TemporaryDirectory(prefix="cmdi-inproc-") as directory:
        temp = Path(directory)
        revisions: list[str | None] = [None] if args.before is None else [None, args.before]
        paths = {
            ref: (
                _trees_at(ref, temp / "tree")
                if args.tree
                else packages_at(ref, ["shared"], temp / "before")
            )
            if ref
            else None
            for ref in revisions
        }
        for backend in args.backend or ["sqlite", "postgresql"]:
            best: dict[str | None, dict[str, float]] = {}
            for attempt in range(args.repeat):
                for ref in revisions:
                    url, drop = _database(backend, temp, f"{backend}{attempt}{'b' if ref else 'a'}")
                    env = dict(os.environ)
                    if paths[ref]:
                        env["PYTHONPATH"] = f"{paths[ref]}{os.pathsep}{ROOT}"
                    else:
                        env["PYTHONPATH"] = str(ROOT)
                    try:
                        output = subprocess.run(
                            [
                                sys.executable,
                                "-m",
                                "bench.inprocess",
                                "--url",
                                url,
                                "--calls",
                                str(args.calls),
                                "--samples",
                                str(args.samples),
                            ],
                            cwd=ROOT,
                            env=env,
                            check=True,
                            capture_output=True,
                            text=True,
                        ).stdout
                    finally:
                        drop()
                    figures = json.loads(output.strip().splitlines()[-1])
                    mine = best.setdefault(ref, {})
                    for path, value in figures.items():
                        mine[path] = min(mine.get(path, float("inf")), value)
                    print(f"{backend} {ref or 'today'}: {figures}", flush=True)
            for path in PATHS:
                after = best[None][path]
                line = f"| {backend} | `GET {path}` | {after:,.0f} |"
                if args.before:
                    before = best[args.before][path]
                    line += f" {before:,.0f} | {after / before - 1:+.0%} |"
                rows.append(line)
        header = "| backend | request | CPU µs/request, today |"
        rule = "|---|---|---:|"
        if args.before:
            header += f" before ({describe(args.before)}) | change |"
            rule += "---:|---:|"
    print()
    print("\n".join([header, rule, *rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
