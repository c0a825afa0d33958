"""Alembic plumbing shared by every service's `migrations/env.py`, plus programmatic upgrade.

Each service owns its database and its own alembic environment; this module only removes the
copy-paste. The URL comes from `config.attributes["database_url"]` (tests, `make run`) or the
service's settings.
"""

from __future__ import annotations

import asyncio
import logging.config
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.runtime.environment import NameFilterParentNames, NameFilterType
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import async_engine_from_config


def run_env(*, metadata: MetaData, default_url: str) -> None:
    """The body of a service's env.py."""
    config = context.config
    if config.config_file_name is not None and not logging.getLogger().handlers:
        # Guard (as Airflow does): never let alembic's logging config mute the app's loggers.
        logging.config.fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = config.attributes.get("database_url") or default_url

    def configure(connection: Connection | None = None) -> None:
        context.configure(
            connection=connection,
            url=None if connection is not None else url,
            target_metadata=metadata,
            render_as_batch=True,  # SQLite can ALTER only through table copies
            compare_type=True,
            compare_server_default=True,
            include_name=_include_name,
            literal_binds=connection is None,
        )

    if context.is_offline_mode():
        configure()
        with context.begin_transaction():
            context.run_migrations()
        return

    def run_sync(connection: Connection) -> None:
        configure(connection)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        section = config.get_section(config.config_ini_section, {})
        section["sqlalchemy.url"] = url
        engine = async_engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(run_sync)
        await engine.dispose()

    asyncio.run(run_async())


# Objects only migrations create, which no model declares: the text-search tables and indexes
# (`shared.search`) and the keyset sort indexes `ix_sort_<table>_<field>` (tests/
# test_list_indexes.py checks every documented sort has one). Autogenerate leaves them alone.
_MIGRATION_ONLY = {"table": ("search_",), "index": ("ix_sort_", "ix_search_")}


def _include_name(
    name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames
) -> bool:
    return name is None or not name.startswith(_MIGRATION_ONLY.get(type_, ()))


def alembic_config(alembic_ini: Path, database_url: str) -> Config:
    config = Config(str(alembic_ini))
    config.attributes["database_url"] = database_url
    return config


def upgrade(alembic_ini: Path, database_url: str, revision: str = "head") -> None:
    """Migrate synchronously (call it in a thread from async code: env.py runs its own loop)."""
    command.upgrade(alembic_config(alembic_ini, database_url), revision)


def downgrade(alembic_ini: Path, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(alembic_ini, database_url), revision)
