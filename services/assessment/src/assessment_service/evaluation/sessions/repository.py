"""Queries of sensemaking sessions; no rules, no commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from assessment_service.evaluation.models import SensemakingSession
from assessment_service.evaluation.repository import children

# What each read of a session loads with it (relationships are lazy="raise": no N+1).
SESSION_LOAD: tuple[ORMOption, ...] = (selectinload(SensemakingSession.entry_links),)


def sessions(evaluation_id: uuid.UUID) -> Select[Any]:
    return children(SensemakingSession, evaluation_id, *SESSION_LOAD)
