"""`python -m bench.aggregates --data var/bench`: time the aggregate reads of issue #16 (items 1
and 4) in-process on a generated dataset (`make bench-data`).

Each service app runs on the dataset's own database behind an httpx ASGI transport (no sockets,
no uvicorn: the figure is the service's own time, routing and auth included). For every read it
prints the median and worst of `--repeat` calls, the body size, and the resident memory before
the first and after the last call (so memory a read keeps is visible). Reads the running code
does not serve (404/405: an endpoint this revision does not have) are reported as such.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from shared.auth import issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _one(path: Path, sql: str) -> Any:
    with sqlite3.connect(path) as connection:
        row = connection.execute(sql).fetchone()
    return row[0] if row else None


def _uuid(value: Any) -> str:
    """SQLite stores a UUID as 32 hex digits (SQLAlchemy's `Uuid`); the API speaks dashes."""
    return str(uuid.UUID(str(value)))


def _busiest(path: Path, sql: str) -> str:
    return _uuid(_one(path, sql))


async def _time(client: httpx.AsyncClient, url: str, repeat: int) -> tuple[int, list[float], int]:
    timings, size, status = [], 0, 0
    for _ in range(repeat):
        start = time.perf_counter()
        response = await client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        status, size = response.status_code, len(response.content)
        if status != 200:
            break
    return status, timings, size


async def _measure(
    name: str, app_factory: Callable[[], Any], urls: list[tuple[str, str]], repeat: int
) -> None:
    token = issue_token(
        key=DEV_JWT_KEY,
        subject="bench-admin",
        roles=["admin"],
        issuer=DEV_ISSUER,
        audience=DEV_AUDIENCE,
    )
    app = app_factory()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", headers={"Authorization": f"Bearer {token}"}
    ) as client:
        await client.get("/healthz")
        for label, url in urls:
            gc.collect()
            before = _rss_mb()
            status, timings, size = await _time(client, url, repeat)
            gc.collect()
            after = _rss_mb()
            if status != 200:
                print(f"{name:<13} {label:<44} HTTP {status} (not served by this revision)")
                continue
            middle = statistics.median(timings)
            print(
                f"{name:<13} {label:<44} min {min(timings):7.1f} median {middle:7.1f} ms"
                f"  max {max(timings):8.1f} ms  {size / 1000:8.1f} kB"
                f"  rss {before:7.1f} -> {after:7.1f} MB"
            )
    await app.state.database.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.aggregates", description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("var/bench"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--service", choices=("stakeholders", "projects"), action="append")
    parser.add_argument(
        "--map-project", help="Project for the map reads (default: the most assessed one)"
    )
    args = parser.parse_args(argv)
    stakeholders_db, projects_db = args.data / "stakeholders.db", args.data / "projects.db"
    if not stakeholders_db.exists() or not projects_db.exists():
        print(f"no dataset in {args.data}: run `make bench-data` first", file=sys.stderr)
        return 2
    os.environ.setdefault("STAKEHOLDERS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("PROJECTS_LOG_LEVEL", "WARNING")

    busiest_project = _busiest(
        projects_db,
        "SELECT project_id FROM team_membership GROUP BY project_id ORDER BY count(*) DESC LIMIT 1",
    )
    engaged = _busiest(
        stakeholders_db,
        "SELECT j.value FROM engagement, json_each(engagement.project_ids) j "
        "GROUP BY j.value ORDER BY count(*) DESC LIMIT 1",
    )
    mapped = args.map_project or _busiest(
        stakeholders_db,
        "SELECT project_id FROM stakeholder_assessment GROUP BY project_id "
        "ORDER BY count(*) DESC LIMIT 1",
    )
    snapshots = _one(
        stakeholders_db,
        f"SELECT count(*) FROM stakeholder_assessment WHERE project_id = '{uuid.UUID(mapped).hex}'",
    )
    print(f"dataset {args.data}; map project {mapped} ({snapshots} snapshots)")
    stakeholders_urls = [
        ("GET /engagements/summary", "/v1/engagements/summary"),
        ("GET /engagements/summary?project_id=", f"/v1/engagements/summary?project_id={engaged}"),
        ("GET /stakeholders/map", f"/v1/stakeholders/map?project_id={mapped}"),
        (
            "GET /stakeholders/map/entries (first page)",
            f"/v1/stakeholders/map/entries?project_id={mapped}",
        ),
        ("GET /stakeholders/trends", f"/v1/stakeholders/trends?project_id={mapped}"),
    ]
    projects_urls = [
        ("GET /projects/key-people (first page)", "/v1/projects/key-people"),
        ("GET /projects/{id}/key-people", f"/v1/projects/{busiest_project}/key-people"),
    ]

    def stakeholders() -> Any:
        from stakeholders_service.main import create_app as stakeholders_app
        from stakeholders_service.settings import Settings as StakeholdersSettings

        return stakeholders_app(
            StakeholdersSettings(
                database_url=f"sqlite+aiosqlite:///{stakeholders_db}",
                retention_enabled=False,
                log_json=False,
                log_level="WARNING",
            )
        )

    def projects() -> Any:
        from projects_service.main import create_app as projects_app
        from projects_service.settings import Settings as ProjectsSettings

        return projects_app(
            ProjectsSettings(
                database_url=f"sqlite+aiosqlite:///{projects_db}",
                log_json=False,
                log_level="WARNING",
            )
        )

    chosen = args.service or ["stakeholders", "projects"]
    if "stakeholders" in chosen:
        asyncio.run(_measure("stakeholders", stakeholders, stakeholders_urls, args.repeat))
    if "projects" in chosen:
        asyncio.run(_measure("projects", projects, projects_urls, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
