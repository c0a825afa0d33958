"""What happens when the database is not there, locked or behind: 503s, waits, readiness."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import text

from projects_service.main import create_app
from projects_service.settings import Settings
from shared.health import migration_script
from shared.migrations import upgrade
from shared.testing import TokenFactory, api_client, backend, project_body

NEW_PROJECT = project_body(title="T")
PROJECTS_INI = Path(__file__).resolve().parents[1] / "services" / "projects" / "alembic.ini"


def unreachable_url(directory: str) -> str:
    if backend() == "postgresql":
        return "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1
    return f"sqlite+aiosqlite:///{Path(directory) / 'missing-dir' / 'db.sqlite'}"


async def test_lost_database_is_503_with_retry_after(tokens: TokenFactory) -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = create_app(Settings(database_url=unreachable_url(directory), log_json=False))
        try:
            async with api_client(app, token=tokens("governance")) as client:
                for response in (
                    await client.get("/v1/projects"),
                    await client.post("/v1/projects", json=NEW_PROJECT),
                ):
                    assert response.status_code == 503, response.text
                    assert response.headers["content-type"] == "application/problem+json"
                    assert response.headers["retry-after"] == "5"
                    assert "psycopg" not in response.text and "sqlite" not in response.text.lower()
                ready = await client.get("/readyz")
                assert ready.status_code == 503
                assert ready.json()["checks"]["database"].startswith("unreachable")
        finally:
            await app.state.database.dispose()


async def test_readyz_reports_pending_migrations(tokens: TokenFactory) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'empty.db'}"
        app = create_app(Settings(database_url=url, log_json=False))
        try:
            async with api_client(app) as client:
                ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"] == {"database": "ok", "migrations": "pending"}
        finally:
            await app.state.database.dispose()


async def _readiness_at(revision: str) -> tuple[int, dict[str, str]]:
    """`/readyz` of today's code on a migrated SQLite database stamped at `revision`."""
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'stamped.db'}"
        await asyncio.to_thread(upgrade, PROJECTS_INI, url)
        app = create_app(Settings(database_url=url, log_json=False))
        try:
            async with app.state.database.engine.begin() as connection:
                await connection.execute(
                    text("UPDATE alembic_version SET version_num = :v"), {"v": revision}
                )
            async with api_client(app) as client:
                ready = await client.get("/readyz")
            return ready.status_code, ready.json()["checks"]
        finally:
            await app.state.database.dispose()


async def test_a_replica_stays_ready_on_a_database_a_newer_release_migrated() -> None:
    """Rolling upgrade: the new release's migration Job runs while old replicas serve; they
    must not all turn unready (expand/contract keeps them working on the newer schema)."""
    status, checks = await _readiness_at("f00dfeedbeef")  # a revision this code doesn't know
    assert (status, checks) == (200, {"database": "ok", "migrations": "ok"})


async def test_a_database_behind_this_code_is_pending() -> None:
    script = migration_script(PROJECTS_INI)
    older = sorted(script.known - script.heads)[0]
    status, checks = await _readiness_at(older)
    assert (status, checks) == (503, {"database": "ok", "migrations": "pending"})


async def test_concurrent_writers_wait_instead_of_failing(
    projects_app: FastAPI, tokens: TokenFactory
) -> None:
    """SQLite in WAL mode with a busy timeout and BEGIN IMMEDIATE: writers queue, none fails
    with "database is locked" (on PostgreSQL the same test checks the outbox lock)."""
    async with api_client(projects_app, token=tokens("governance")) as client:
        responses = await asyncio.gather(
            *(client.post("/v1/projects", json=NEW_PROJECT) for _ in range(20))
        )
        assert [r.status_code for r in responses] == [201] * 20
        references = {r.json()["reference"] for r in responses}
        assert len(references) == 20
        feed = await client.get(
            "/v1/events?limit=200", headers={"Authorization": f"Bearer {tokens('service')}"}
        )
        positions = [int(e["position"]) for e in feed.json()["items"]]
        assert positions == sorted(positions) and len(positions) >= 20
    from projects_service.db import Base
    from shared.testing import reset_database

    await reset_database(projects_app.state.database, Base.metadata)


async def test_read_sessions_refuse_writes(projects_app: FastAPI) -> None:
    """GETs read through a read-only session (on SQLite: inline on the event loop); a write
    there is a bug and fails loudly instead of blocking the loop on a write lock."""
    import pytest

    from projects_service.projects.models import Project
    from shared.changes import record_audit
    from shared.db import WriteInReadOnlySession

    async with projects_app.state.database.read_sessionmaker() as session:
        session.add(
            Project(
                reference="RO-1",
                title="t",
                pillar="project_innovation",
                innovation_type="other",
                lead_partner="trust",
            )
        )
        with pytest.raises(WriteInReadOnlySession):
            await session.flush()
    async with projects_app.state.database.read_sessionmaker() as session:
        with pytest.raises(WriteInReadOnlySession):
            await record_audit(session, entity_type="x", entity_id="1", action="probe", changes={})
