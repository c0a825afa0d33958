"""Decisions: the path-parameter dependency that loads a decision or answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.decisions import repository
from assessment_service.decisions.errors import DecisionNotFound
from assessment_service.decisions.models import Decision
from shared.db import SessionDep


async def get_decision_or_404(decision_id: uuid.UUID, session: SessionDep) -> Decision:
    decision = await repository.get(session, decision_id)
    if decision is None:
        raise DecisionNotFound(f"No decision with id {decision_id}.")
    return decision


DecisionDep = Annotated[Decision, Depends(get_decision_or_404)]
