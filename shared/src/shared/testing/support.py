"""Databases per service and worker, migrated with the real migrations; clients; tokens.

`CMDI_TEST_DATABASE=postgresql` runs the same suite on PostgreSQL: each service gets its own
freshly created database (`<service>_test_<worker>`), dropped afterwards. The default is SQLite
files in a temporary directory.
"""

from __future__ import annotations

import asyncio
import functools
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from psycopg import sql
from sqlalchemy import MetaData, text

from shared.auth import issue_token
from shared.db import Database
from shared.migrations import upgrade
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY
from shared.testing.fakes import FakeService

TEST_KEY = DEV_JWT_KEY
TEST_ISSUER = DEV_ISSUER
TEST_AUDIENCE = DEV_AUDIENCE
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def backend() -> str:
    return os.environ.get("CMDI_TEST_DATABASE", "sqlite")


def _admin_dsn() -> str:
    return os.environ.get("CMDI_TEST_PG_ADMIN_URL", DEFAULT_PG_URL)


def _pg_database_url(name: str) -> str:
    base = _admin_dsn().rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


async def _pg_admin(statement: sql.Composed) -> None:
    connection = await psycopg.AsyncConnection.connect(_admin_dsn(), autocommit=True)
    async with connection:
        await connection.execute(statement)


def _worker() -> str:
    # Unique per call: concurrent runs (two checkouts, CI beside a developer) and two suites in
    # one run that both need a "projects" database must never share (or drop) each other's.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"{worker}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def test_database(service: str, alembic_ini: Path) -> AsyncIterator[str]:
    """Create an empty database for `service`, migrate it to head, yield its URL, drop it."""
    if backend() == "postgresql":
        name = f"{service}_test_{_worker()}"
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        await _pg_admin(drop)
        await _pg_admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = _pg_database_url(name)
        try:
            await asyncio.to_thread(upgrade, alembic_ini, url)
            yield url
        finally:
            await _pg_admin(drop)
        return
    with tempfile.TemporaryDirectory(prefix=f"{service}-test-") as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / f'{service}.db'}"
        await asyncio.to_thread(upgrade, alembic_ini, url)
        yield url


@asynccontextmanager
async def empty_database(service: str, suffix: str) -> AsyncIterator[str]:
    """An unmigrated database (for migration round-trip tests)."""
    if backend() == "postgresql":
        name = f"{service}_{suffix}_{_worker()}"
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        await _pg_admin(drop)
        await _pg_admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield _pg_database_url(name)
        finally:
            await _pg_admin(drop)
        return
    with tempfile.TemporaryDirectory(prefix=f"{service}-{suffix}-") as directory:
        yield f"sqlite+aiosqlite:///{Path(directory) / f'{service}.db'}"


def _kept(metadata: MetaData) -> Iterable[str]:
    return [t.name for t in metadata.sorted_tables if t.info.get("reference_data")]


async def reset_database(database: Database, metadata: MetaData) -> None:
    """Empty every table but reference data seeded by migrations, between tests.

    DELETE rather than TRUNCATE: on PostgreSQL a TRUNCATE of a few dozen tables costs about a
    second (new files for every table), DELETE of a handful of rows a few milliseconds."""
    keep = set(_kept(metadata))
    tables = [t for t in reversed(metadata.sorted_tables) if t.name not in keep]
    async with database.engine.begin() as connection:
        for table in tables:
            await connection.execute(table.delete())
        # Restart auto-increment counters too, so feed positions are predictable per test.
        if connection.dialect.name == "postgresql":
            for table in tables:
                for column in table.primary_key.columns:
                    if column.autoincrement is True:
                        await connection.execute(
                            text("SELECT setval(pg_get_serial_sequence(:t, :c), 1, false)"),
                            {"t": table.name, "c": column.name},
                        )
        else:
            exists = await connection.scalar(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'")
            )
            if exists:
                await connection.execute(text("DELETE FROM sqlite_sequence"))


class TokenFactory:
    """Signs development tokens the services accept (and, on request, ones they must refuse)."""

    def __init__(self, key: str = TEST_KEY) -> None:
        self.key = key

    def __call__(
        self, *roles: str, sub: str = "user-1", ttl: int = 3600, extra: dict[str, Any] | None = None
    ) -> str:
        return issue_token(
            key=self.key,
            subject=sub,
            roles=roles,
            issuer=TEST_ISSUER,
            audience=TEST_AUDIENCE,
            ttl_seconds=ttl,
            extra=extra,
        )

    def headers(self, *roles: str, sub: str = "user-1") -> dict[str, str]:
        return {"Authorization": f"Bearer {self(*roles, sub=sub)}"}


def api_client(
    app: FastAPI, *, token: str | None = None, base_url: str = "http://testserver"
) -> httpx.AsyncClient:
    """An in-process client (ASGI transport): real app, real database, no sockets."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=base_url, headers=headers
    )


@asynccontextmanager
async def service_app(
    *,
    service: str,
    alembic_ini: Path,
    create_app: Callable[..., FastAPI],
    settings_factory: Callable[..., Any],
    **settings: Any,
) -> AsyncIterator[FastAPI]:
    """A service app bound to a fresh database migrated with the real migrations."""
    async with test_database(service, alembic_ini) as url:
        application = create_app(
            settings_factory(database_url=url, log_json=False, log_level="WARNING", **settings)
        )
        try:
            yield application
        finally:
            await application.state.database.dispose()


def service_fixtures(
    *,
    service: str,
    alembic_ini: Path,
    metadata: MetaData,
    create_app: Callable[..., FastAPI],
    settings_factory: Callable[..., Any],
    upstreams: Mapping[str, httpx.AsyncBaseTransport] | None = None,
) -> tuple[Any, Any, Any]:
    """The standard fixtures of a service's suite, for its conftest:

        app, clean_database, client = service_fixtures(..., upstreams={"projects": PROJECTS})

    `app` (session): the service bound to a database migrated with the real migrations, its
    `upstreams` (the kit's fakes, `shared.testing.upstreams`) as the transports of its clients.
    `clean_database` (autouse): after each test, fails it if a fake saw a contract violation,
    empties the fakes and the database. `client`: an in-process client holding a `governance`
    token for subject `gov-1`.
    """
    transports = dict(upstreams or {})
    factory = functools.partial(create_app, transports=transports) if transports else create_app

    @pytest.fixture(scope="session")
    async def app() -> AsyncIterator[FastAPI]:
        async with service_app(
            service=service,
            alembic_ini=alembic_ini,
            create_app=factory,
            settings_factory=settings_factory,
        ) as application:
            yield application

    @pytest.fixture(autouse=True)
    async def clean_database(app: FastAPI) -> AsyncIterator[None]:
        yield
        try:
            for fake in transports.values():
                if isinstance(fake, FakeService):
                    fake.verify()
        finally:
            for fake in transports.values():
                if isinstance(fake, FakeService):
                    fake.reset()
            await reset_database(app.state.database, metadata)

    @pytest.fixture
    async def client(app: FastAPI, tokens: TokenFactory) -> AsyncIterator[httpx.AsyncClient]:
        async with api_client(app, token=tokens("governance", sub="gov-1")) as api:
            yield api

    return app, clean_database, client
