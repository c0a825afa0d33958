"""Business rules for frameworks. Functions flush, never commit (see shared/README.md)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.frameworks import repository
from assessment_service.frameworks.errors import FrameworkVersionExists
from assessment_service.frameworks.models import Framework
from assessment_service.frameworks.schemas import FrameworkCreate
from shared.auth import Principal


async def create_framework(session: AsyncSession, *, data: FrameworkCreate, actor: Principal) -> Framework:
    if await repository.get_by_name_and_semver(session, data.name, data.semver) is not None:
        raise FrameworkVersionExists(f"{data.name} {data.semver} exists; clone it to a new version.")
    framework = Framework(created_by=actor.subject, **data.model_dump())
    session.add(framework)
    await session.flush()
    return framework
