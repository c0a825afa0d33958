"""Assessments: the loader that answers 404, and the role dependencies of the routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from assessment_service.assessments.models import Assessment
from assessment_service.assessments.service.assessments import get_assessment
from shared.auth import Principal, Role, require_roles
from shared.db import SessionDep

# The collection's path (every sub-resource router hangs off it; Location headers name it).
PREFIX = "/v1/assessments"

# Governance opens assessments.
Governance = Annotated[Principal, Depends(require_roles(Role.governance))]
# Who may write to an assessment at all; the service then checks panel membership or chair.
Panelist = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.evaluator, Role.contributor))
]


async def get_assessment_or_404(assessment_id: uuid.UUID, session: SessionDep) -> Assessment:
    return await get_assessment(session, assessment_id)


AssessmentDep = Annotated[Assessment, Depends(get_assessment_or_404)]
