"""Rules of learning briefs: a period that ends on or after its start. Functions flush, never
commit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from assessment_service.evaluation.briefs.errors import BriefNotFound
from assessment_service.evaluation.briefs.schemas import BriefCreate, BriefPatch, BriefRead
from assessment_service.evaluation.models import DevelopmentalEvaluation, LearningBrief
from assessment_service.evaluation.repository import children
from assessment_service.evaluation.service import Writer, dates_in_order, load, writable
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes


async def get_brief(session: AsyncSession, brief_id: uuid.UUID) -> LearningBrief:
    found: LearningBrief = await load(session, LearningBrief, brief_id, BriefNotFound)
    return found


async def list_briefs(
    session: AsyncSession, evaluation: DevelopmentalEvaluation, pagination: Pagination
) -> Page[BriefRead]:
    rows = await pagination.rows(
        session,
        children(LearningBrief, evaluation.id),
        id_column=LearningBrief.id,
        updated_column=LearningBrief.updated_at,
    )
    return rows.as_page(BriefRead)


async def create_brief(
    session: AsyncSession,
    evaluation: DevelopmentalEvaluation,
    *,
    data: BriefCreate,
    writer: Writer,
) -> LearningBrief:
    await writable(writer, evaluation)
    brief = LearningBrief(
        evaluation_id=evaluation.id,
        recorded_by=writer.principal.subject,
        **{**data.model_dump(), "uri": str(data.uri) if data.uri else None},
    )
    session.add(brief)
    await session.flush()
    return brief


async def update_brief(
    session: AsyncSession,
    brief: LearningBrief,
    evaluation: DevelopmentalEvaluation,
    *,
    patch: BriefPatch,
    writer: Writer,
) -> LearningBrief:
    await writable(writer, evaluation)
    changes = merge_patch_changes(
        patch, required=("title", "period_start", "period_end", "audience", "key_messages")
    )
    if changes.get("uri") is not None:
        changes["uri"] = str(changes["uri"])
    dates_in_order(
        changes.get("period_start", brief.period_start),
        changes.get("period_end", brief.period_end),
        "period_end",
    )
    apply_changes(brief, changes)
    await session.flush()
    return brief
