"""The learning-brief loader that answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.evaluation.briefs import service
from assessment_service.evaluation.models import LearningBrief
from shared.db import SessionDep


async def get_brief_or_404(brief_id: uuid.UUID, session: SessionDep) -> LearningBrief:
    return await service.get_brief(session, brief_id)


BriefDep = Annotated[LearningBrief, Depends(get_brief_or_404)]
