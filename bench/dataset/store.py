"""Where a service's dataset goes: a fresh database migrated with the service's own alembic
migrations, batched Core inserts (one transaction per batch), row counts and on-disk size."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Engine, MetaData, Table, create_engine, event, func, insert, select, text
from sqlalchemy.engine import make_url

from bench.dataset import SERVICES
from shared.migrations import upgrade

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC = {name: ROOT / "services" / name / "alembic.ini" for name in SERVICES}
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
BATCH = 5000


@dataclass
class Target:
    """One service's database: `url` is what the service and alembic use (async driver)."""

    service: str
    url: str
    engine: Engine

    @property
    def sqlite_path(self) -> Path | None:
        parsed = make_url(self.url)
        return Path(parsed.database or "") if parsed.get_backend_name() == "sqlite" else None


def _sync_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(parsed.set(drivername="sqlite"))
    return str(parsed.set(drivername="postgresql+psycopg"))


def _engine(url: str) -> Engine:
    engine = create_engine(_sync_url(url))
    if make_url(url).get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")  # the load must respect every reference
            cursor.execute("PRAGMA journal_mode=WAL")  # what the services use
            cursor.execute("PRAGMA synchronous=OFF")  # a bulk load of a throwaway database
            cursor.close()

    return engine


def _recreate_sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _recreate_postgres(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(
    service: str,
    *,
    backend: str,
    out: Path,
    url: str | None = None,
    admin_dsn: str = DEFAULT_PG,
) -> Target:
    """A freshly created database for `service` (or the empty one at `url`), migrated to head."""
    if url is None:
        if backend == "sqlite":
            path = (out / f"{service}.db").resolve()
            _recreate_sqlite(path)
            url = f"sqlite+aiosqlite:///{path}"
        else:
            name = f"bench_{service}"
            _recreate_postgres(admin_dsn, name)
            base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
            url = f"{base}/{name}"
    upgrade(ALEMBIC[service], url)
    return Target(service=service, url=url, engine=_engine(url))


def _batches(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def table_of(model: type[Any]) -> Table:
    """A mapped class's table (the ORM types it as a generic FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _check_columns(table: Table, row: dict[str, Any]) -> None:
    """Every key a column, and every column left out one the database can fill (a default, a
    server default, an auto-increment or NULL): a column added by a newer migration is fine."""
    extra = set(row) - set(table.c.keys())
    if extra:
        raise ValueError(f"{table.name} has no column {', '.join(sorted(extra))}")
    for column in table.columns:
        fillable = (
            column.default is not None
            or column.server_default is not None
            or column.nullable
            or column.autoincrement is True
        )
        if column.key not in row and not fillable:
            raise ValueError(f"{table.name}.{column.key} needs a value")


def insert_rows(
    target: Target, table: Table, rows: Iterable[dict[str, Any]], *, batch: int = BATCH
) -> int:
    """executemany in batches, one transaction each (every row with the same keys)."""
    written = 0
    for chunk in _batches(rows, batch):
        if written == 0:
            _check_columns(table, chunk[0])
        with target.engine.begin() as connection:
            connection.execute(insert(table), chunk)
        written += len(chunk)
    return written


def ensure_empty(target: Target, table: Table) -> None:
    with target.engine.connect() as connection:
        if connection.scalar(select(func.count()).select_from(table)):
            raise SystemExit(f"{target.service}: {table.name} is not empty; use a fresh database.")


def counts(target: Target, metadata: MetaData) -> dict[str, int]:
    with target.engine.connect() as connection:
        return {
            table.name: int(connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in metadata.sorted_tables
        }


def finish(target: Target) -> int:
    """Checkpoint/analyse, then the database's size in bytes."""
    path = target.sqlite_path
    if path is not None:
        with target.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        target.engine.dispose()
        return path.stat().st_size
    with target.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
        size = connection.scalar(text("SELECT pg_database_size(current_database())"))
    target.engine.dispose()
    return int(size or 0)
