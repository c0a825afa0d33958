"""Comparator populations: the queries (latest version of a key, one version, the list)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from stakeholders_service.populations.models import ComparatorPopulation


async def latest_version_number(session: AsyncSession, key: str) -> int:
    found = await session.scalar(
        select(func.max(ComparatorPopulation.population_version)).where(
            ComparatorPopulation.key == key
        )
    )
    return int(found or 0)


async def find(session: AsyncSession, key: str, version: int | None) -> ComparatorPopulation | None:
    """One version of `key`; the latest when `version` is None."""
    statement = select(ComparatorPopulation).where(ComparatorPopulation.key == key)
    if version is not None:
        statement = statement.where(ComparatorPopulation.population_version == version)
    found: ComparatorPopulation | None = await session.scalar(
        statement.order_by(ComparatorPopulation.population_version.desc()).limit(1)
    )
    return found


async def all_versions(session: AsyncSession) -> list[ComparatorPopulation]:
    rows = await session.scalars(
        select(ComparatorPopulation).order_by(
            ComparatorPopulation.key, ComparatorPopulation.population_version
        )
    )
    return list(rows)
