"""Queries of findings; no rules, no commits."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from assessment_service.evaluation.models import Confidence, Finding, FindingStatus
from assessment_service.evaluation.repository import children

# What each read of a finding loads with it (relationships are lazy="raise": no N+1).
FINDING_LOAD: tuple[ORMOption, ...] = (
    selectinload(Finding.evidence_links),
    selectinload(Finding.evaluation),
)


def findings(
    evaluation_id: uuid.UUID, *, status: FindingStatus | None, confidence: Confidence | None
) -> Select[Any]:
    return children(Finding, evaluation_id, *FINDING_LOAD, status=status, confidence=confidence)
