"""Organisational practices: rules (drafts only; every version holds all eight, so they are
edited, never added or removed). Functions flush, never commit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps.drafts import ensure_draft, touch
from projects_service.outcome_maps.models import OrganisationalPractice, OutcomeMap
from projects_service.outcome_maps.schemas import PracticePatch
from shared.patch import apply_changes, merge_patch_changes


async def update_practice(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    practice: OrganisationalPractice,
    *,
    patch: PracticePatch,
) -> OrganisationalPractice:
    ensure_draft(outcome_map)
    apply_changes(practice, merge_patch_changes(patch, required=tuple(patch.model_fields_set)))
    touch(outcome_map)
    await session.flush()
    return practice
