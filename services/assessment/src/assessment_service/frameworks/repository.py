"""Frameworks: the queries (template versions, the active version, sources)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.frameworks.models import Framework, FrameworkSource, FrameworkStatus


async def get(session: AsyncSession, framework_id: uuid.UUID) -> Framework | None:
    return await session.get(Framework, framework_id)


async def lock(session: AsyncSession, framework_id: uuid.UUID) -> Framework | None:
    """The version as committed now, its row locked to the end of the transaction (PostgreSQL;
    SQLite writers already hold the database's write lock): an edit and a first use of the
    same version, or two first uses, take turns instead of losing a version race."""
    return await session.scalar(
        select(Framework)
        .where(Framework.id == framework_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def get_by_name_and_semver(session: AsyncSession, name: str, semver: str) -> Framework | None:
    return await session.scalar(
        select(Framework).where(Framework.name == name, Framework.semver == semver)
    )


async def get_active(session: AsyncSession, name: str) -> Framework | None:
    return await session.scalar(select(Framework).where(Framework.active_name == name))


async def semvers(session: AsyncSession, name: str) -> Sequence[str]:
    return (await session.scalars(select(Framework.semver).where(Framework.name == name))).all()


def list_statement(*, name: str | None, status: FrameworkStatus | None) -> Select[Framework]:
    statement = select(Framework)
    if name is not None:
        statement = statement.where(Framework.name == name)
    if status is not None:
        statement = statement.where(Framework.status == status)
    return statement


def add(session: AsyncSession, framework: Framework) -> None:
    session.add(framework)


def sources_statement() -> Select[FrameworkSource]:
    """Every framework source, for a keyset page (the caller orders it, by code)."""
    return select(FrameworkSource)


async def list_sources(session: AsyncSession) -> Sequence[FrameworkSource]:
    return (await session.scalars(select(FrameworkSource).order_by(FrameworkSource.code))).all()


async def get_source(session: AsyncSession, code: str) -> FrameworkSource | None:
    return await session.get(FrameworkSource, code)
