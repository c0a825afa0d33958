"""Revision prompts: a pivot implemented in developmental evaluation prompts a new outcome-map
version (never forces one); agreeing a later version addresses it. Functions flush, never
commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps import repository
from projects_service.outcome_maps.models import PromptStatus, RevisionPrompt
from projects_service.outcome_maps.schemas import RevisionPromptRead
from projects_service.projects import repository as project_repository
from projects_service.projects.models import Project
from shared.pagination import Page, Pagination


async def list_prompts(
    session: AsyncSession, project: Project, pagination: Pagination, *, status: PromptStatus | None
) -> Page[RevisionPromptRead]:
    rows = await pagination.rows(
        session,
        repository.prompts_statement(project.id, status=status),
        id_column=RevisionPrompt.id,
        updated_column=RevisionPrompt.updated_at,
    )
    return rows.as_page(RevisionPromptRead)


def _aware(value: Any) -> dt.datetime | None:
    if not value:
        return None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


async def prompt_revision_for_adaptation(session: AsyncSession, data: dict[str, Any]) -> str:
    """`adaptation.implemented`: a pivot prompts a new outcome-map version (never forces one)."""
    if data.get("kind") != "pivot":
        return f"ignored: kind {data.get('kind')!r} does not prompt a new outcome map"
    try:
        adaptation_id = uuid.UUID(str(data.get("adaptation_id")))
        project_id = uuid.UUID(str(data.get("project_id")))
    except ValueError:
        return "ignored: the event has no valid adaptation_id or project_id"
    if await project_repository.get(session, project_id) is None:
        return f"ignored: no project {project_id}"
    if await repository.prompt_for_adaptation(session, adaptation_id) is not None:
        return f"ignored: adaptation {adaptation_id} already prompted a revision"
    evaluation_id = data.get("evaluation_id")
    repository.add(
        session,
        RevisionPrompt(
            project_id=project_id,
            adaptation_id=adaptation_id,
            evaluation_id=uuid.UUID(str(evaluation_id)) if evaluation_id else None,
            summary=str(data.get("summary") or "")[:5000],
            implemented_at=_aware(data.get("implemented_at")),
        ),
    )
    await session.flush()
    return f"prompted: project {project_id} should consider a new outcome-map version"
