from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.frameworks.models import Framework, FrameworkStatus


async def get(session: AsyncSession, framework_id: uuid.UUID) -> Framework | None:
    return await session.get(Framework, framework_id)


async def get_by_name_and_semver(session: AsyncSession, name: str, semver: str) -> Framework | None:
    return await session.scalar(select(Framework).where(Framework.name == name, Framework.semver == semver))


def list_statement(*, name: str | None, status: FrameworkStatus | None) -> Select[tuple[Framework]]:
    statement = select(Framework)
    if name is not None:
        statement = statement.where(Framework.name == name)
    if status is not None:
        statement = statement.where(Framework.status == status)
    return statement
