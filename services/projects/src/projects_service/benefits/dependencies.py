"""Benefits: the path-parameter loader of one benefit of a project (or 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from projects_service.benefits import repository
from projects_service.benefits.errors import BenefitNotFound
from projects_service.benefits.models import Benefit
from projects_service.projects.dependencies import ProjectDep
from shared.db import SessionDep


async def get_benefit_or_404(
    project: ProjectDep, benefit_id: uuid.UUID, session: SessionDep
) -> Benefit:
    benefit = await repository.get(session, project.id, benefit_id)
    if benefit is None:
        raise BenefitNotFound(f"No benefit {benefit_id} on {project.reference}.")
    return benefit


BenefitDep = Annotated[Benefit, Depends(get_benefit_or_404)]
