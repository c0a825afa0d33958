"""The learning-log entry loader that answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.evaluation.log import service
from assessment_service.evaluation.models import LearningLogEntry
from shared.db import SessionDep


async def get_log_entry_or_404(entry_id: uuid.UUID, session: SessionDep) -> LearningLogEntry:
    return await service.get_log_entry(session, entry_id)


LogEntryDep = Annotated[LearningLogEntry, Depends(get_log_entry_or_404)]
