"""Business rules for the registry. Functions flush, never commit (see shared/README.md)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.projects import repository
from projects_service.projects.errors import ProjectArchived
from projects_service.projects.models import Project, ProjectStatus
from projects_service.projects.schemas import ProjectCreate, ProjectPatch
from shared.auth import Principal
from shared.changes import set_action
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput

_REQUIRED = ("title", "pillar", "innovation_type", "lead_partner", "summary", "is_digital", "tags")


async def create_project(
    session: AsyncSession, *, data: ProjectCreate, actor: Principal, reference_prefix: str
) -> Project:
    year = repository.today().year
    number = await repository.next_reference_number(session, year)
    project = Project(
        reference=f"{reference_prefix}-{year}-{number:03d}",
        created_by=actor.subject,
        **data.model_dump(),
    )
    repository.add(session, project)
    await session.flush()
    return project


async def update_project(session: AsyncSession, project: Project, *, patch: ProjectPatch) -> Project:
    if project.status is ProjectStatus.archived:
        raise ProjectArchived("Archived projects cannot be edited.")
    changes = merge_patch_changes(patch, required=_REQUIRED)
    start = changes.get("start_date", project.start_date)
    end = changes.get("planned_end_date", project.planned_end_date)
    if start and end and end < start:
        raise InvalidInput(
            "planned_end_date must not be before start_date.",
            errors=[FieldError(pointer="/planned_end_date", location="body", detail="Before start_date.")],
        )
    apply_changes(project, changes)
    await session.flush()
    return project


async def archive_project(session: AsyncSession, project: Project) -> Project:
    if project.status is not ProjectStatus.archived:
        project.status = ProjectStatus.archived
        set_action(project, "archived")
        await session.flush()
    return project
