"""Projects: the path-parameter dependency that loads a project or answers 404."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from projects_service.projects import repository
from projects_service.projects.errors import ProjectNotFound
from projects_service.projects.models import Project
from shared.db import SessionDep


async def get_project_or_404(project_id: uuid.UUID, session: SessionDep) -> Project:
    project = await repository.get(session, project_id)
    if project is None:
        raise ProjectNotFound(f"No project with id {project_id}.")
    return project


ProjectDep = Annotated[Project, Depends(get_project_or_404)]
