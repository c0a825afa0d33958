"""Frameworks: the path-parameter dependency that loads a template version or answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.frameworks import repository
from assessment_service.frameworks.errors import FrameworkNotFound
from assessment_service.frameworks.models import Framework
from shared.db import SessionDep


async def get_framework_or_404(framework_id: uuid.UUID, session: SessionDep) -> Framework:
    framework = await repository.get(session, framework_id)
    if framework is None:
        raise FrameworkNotFound(f"No framework with id {framework_id}.")
    return framework


FrameworkDep = Annotated[Framework, Depends(get_framework_or_404)]
