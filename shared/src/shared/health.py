"""`/healthz` (alive), `/readyz` (database reachable, migrations at head) and `/metrics`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


def migration_heads(alembic_ini: Path) -> set[str]:
    config = Config(str(alembic_ini))
    return set(ScriptDirectory.from_config(config).get_heads())


async def check_database(database: Database, expected_heads: set[str]) -> dict[str, str]:
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
            checks["migrations"] = "ok" if set(rows) == expected_heads else "pending"
    except Exception as exc:
        checks["database"] = f"unreachable ({type(exc).__name__})"
    return checks


ReadinessCheck = Callable[[Request], Awaitable[dict[str, str]]]


def database_readiness(heads: set[str]) -> ReadinessCheck:
    async def check(request: Request) -> dict[str, str]:
        database: Database = request.app.state.database
        return await check_database(database, heads)

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
