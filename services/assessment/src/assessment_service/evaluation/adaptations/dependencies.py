"""The adaptation-decision loader that answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.evaluation.adaptations import service
from assessment_service.evaluation.models import AdaptationDecision
from shared.db import SessionDep


async def get_adaptation_or_404(
    adaptation_id: uuid.UUID, session: SessionDep
) -> AdaptationDecision:
    return await service.get_adaptation(session, adaptation_id)


AdaptationDep = Annotated[AdaptationDecision, Depends(get_adaptation_or_404)]
