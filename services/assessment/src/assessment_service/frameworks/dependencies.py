"""Frameworks: the path-parameter dependency that loads a template version or answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.frameworks import service
from assessment_service.frameworks.models import Framework
from shared.db import SessionDep


async def get_framework_or_404(framework_id: uuid.UUID, session: SessionDep) -> Framework:
    return await service.get_framework(session, framework_id)


FrameworkDep = Annotated[Framework, Depends(get_framework_or_404)]
