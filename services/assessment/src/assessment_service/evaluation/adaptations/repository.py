"""Queries of adaptation decisions; no rules, no commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from assessment_service.evaluation.models import (
    AdaptationDecision,
    AdaptationKind,
    AdaptationStatus,
)
from assessment_service.evaluation.repository import children

# What each read of an adaptation loads with it (relationships are lazy="raise": no N+1).
ADAPTATION_LOAD: tuple[ORMOption, ...] = (selectinload(AdaptationDecision.finding_links),)


def adaptations(
    evaluation_id: uuid.UUID, *, status: AdaptationStatus | None, kind: AdaptationKind | None
) -> Select[Any]:
    return children(AdaptationDecision, evaluation_id, *ADAPTATION_LOAD, status=status, kind=kind)
