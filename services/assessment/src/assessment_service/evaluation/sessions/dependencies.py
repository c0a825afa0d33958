"""The sensemaking-session loader that answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.evaluation.models import SensemakingSession
from assessment_service.evaluation.sessions import service
from shared.db import SessionDep


async def get_session_or_404(session_id: uuid.UUID, session: SessionDep) -> SensemakingSession:
    return await service.get_session(session, session_id)


SessionRecordDep = Annotated[SensemakingSession, Depends(get_session_or_404)]
