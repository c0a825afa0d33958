"""The theory-of-change version loader that answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.evaluation.models import TheoryOfChangeVersion
from assessment_service.evaluation.theory_of_change import service
from shared.db import SessionDep


async def get_toc_version_or_404(
    version_id: uuid.UUID, session: SessionDep
) -> TheoryOfChangeVersion:
    return await service.get_version(session, version_id)


TheoryOfChangeDep = Annotated[TheoryOfChangeVersion, Depends(get_toc_version_or_404)]
