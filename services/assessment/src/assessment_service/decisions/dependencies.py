"""Decisions: the path-parameter dependency that loads a decision or answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.decisions import service
from assessment_service.decisions.models import Decision
from shared.db import SessionDep


async def get_decision_or_404(decision_id: uuid.UUID, session: SessionDep) -> Decision:
    return await service.get_decision(session, decision_id)


DecisionDep = Annotated[Decision, Depends(get_decision_or_404)]
