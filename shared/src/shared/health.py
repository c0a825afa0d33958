"""`/healthz` (alive), `/readyz` (database reachable, migrations at head) and `/metrics`.

Readiness and rolling upgrades (docs/conventions.md, Migrations and rolling upgrades): a replica
is ready when its database is at this code's heads, and also when the database is at a revision
this code does not know, because a newer release has migrated it (expand/contract keeps the
previous release working on the new schema). Only a known, older revision is `pending`: were
that also refused, every old replica would leave the load balancer the moment the new release's
migration Job ran, before any new replica was ready.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from shared.db import Database
from shared.problems import problem_responses


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


@dataclass(frozen=True)
class MigrationScript:
    """What this code's migrations know: the heads it needs and every revision it has."""

    heads: frozenset[str]
    known: frozenset[str]

    def state(self, applied: set[str]) -> str:
        if applied == self.heads:
            return "ok"
        if applied and not applied <= self.known:
            return "ok"  # migrated by a newer release: this code still serves (expand/contract)
        return "pending"


def migration_script(alembic_ini: Path) -> MigrationScript:
    script = ScriptDirectory.from_config(Config(str(alembic_ini)))
    return MigrationScript(
        heads=frozenset(script.get_heads()),
        known=frozenset(revision.revision for revision in script.walk_revisions()),
    )


async def check_database(database: Database, script: MigrationScript) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            try:
                rows = (
                    (await connection.execute(text("SELECT version_num FROM alembic_version")))
                    .scalars()
                    .all()
                )
            except Exception:  # the table is missing: never migrated
                rows = []
            checks["migrations"] = script.state(set(rows))
    except Exception as exc:
        checks["database"] = f"unreachable ({type(exc).__name__})"
    return checks


ReadinessCheck = Callable[[Request], Awaitable[dict[str, str]]]


def database_readiness(script: MigrationScript) -> ReadinessCheck:
    async def check(request: Request) -> dict[str, str]:
        database: Database = request.app.state.database
        return await check_database(database, script)

    return check


def health_router(readiness: ReadinessCheck) -> APIRouter:
    """Operational routes; unauthenticated by design (probes carry no token) and leak nothing.
    `/readyz` answers 503 until every named check reports `ok`."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", operation_id="healthz")
    async def healthz() -> Health:
        return Health(status="ok")

    @router.get(
        "/readyz",
        operation_id="readyz",
        responses=problem_responses(503) | {503: {"model": Readiness}},
    )
    async def readyz(request: Request, response: Response) -> Readiness:
        checks = await readiness(request)
        ready = all(value == "ok" for value in checks.values())
        if not ready:
            response.status_code = 503
            response.headers["Retry-After"] = "5"
        return Readiness(status="ready" if ready else "not_ready", checks=checks)

    @router.get("/metrics", operation_id="metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
