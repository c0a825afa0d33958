"""Milestones: the path-parameter loader of one milestone of a project (or 404)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from projects_service.milestones import repository
from projects_service.milestones.errors import MilestoneNotFound
from projects_service.milestones.models import Milestone
from projects_service.projects.dependencies import ProjectDep
from shared.db import SessionDep


async def get_milestone_or_404(
    project: ProjectDep, milestone_id: uuid.UUID, session: SessionDep
) -> Milestone:
    milestone = await repository.get(session, project.id, milestone_id)
    if milestone is None:
        raise MilestoneNotFound(f"No milestone {milestone_id} on {project.reference}.")
    return milestone


MilestoneDep = Annotated[Milestone, Depends(get_milestone_or_404)]
