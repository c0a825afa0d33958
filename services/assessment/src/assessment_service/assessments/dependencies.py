"""Assessments: the path-parameter dependency that loads an assessment or answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.assessments import repository
from assessment_service.assessments.errors import AssessmentNotFound
from assessment_service.assessments.models import Assessment
from shared.db import SessionDep


async def get_assessment_or_404(assessment_id: uuid.UUID, session: SessionDep) -> Assessment:
    assessment = await repository.get(session, assessment_id)
    if assessment is None:
        raise AssessmentNotFound(f"No assessment with id {assessment_id}.")
    return assessment


AssessmentDep = Annotated[Assessment, Depends(get_assessment_or_404)]
