"""Strategy map: rules (drafts only; the cell code is derived from target x type, never sent).
Functions flush, never commit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps import repository
from projects_service.outcome_maps.drafts import ensure_draft, touch
from projects_service.outcome_maps.models import BoundaryPartner, OutcomeMap, Strategy, cell_code
from projects_service.outcome_maps.schemas import StrategyCreate, StrategyPatch
from shared.patch import apply_changes, merge_patch_changes


async def add_strategy(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    partner: BoundaryPartner,
    *,
    data: StrategyCreate,
) -> Strategy:
    ensure_draft(outcome_map)
    strategy = Strategy(
        boundary_partner_id=partner.id,
        outcome_map_id=outcome_map.id,
        cell_code=cell_code(data.target, data.type),
        **data.model_dump(),
    )
    repository.add(session, strategy)
    touch(outcome_map)
    await session.flush()
    return strategy


async def update_strategy(
    session: AsyncSession, outcome_map: OutcomeMap, strategy: Strategy, *, patch: StrategyPatch
) -> Strategy:
    ensure_draft(outcome_map)
    apply_changes(strategy, merge_patch_changes(patch, required=tuple(patch.model_fields_set)))
    strategy.cell_code = cell_code(strategy.target, strategy.type)
    touch(outcome_map)
    await session.flush()
    return strategy


async def delete_strategy(
    session: AsyncSession, outcome_map: OutcomeMap, strategy: Strategy
) -> None:
    """A draft's strategy may go (agreed versions keep theirs: they are read-only)."""
    ensure_draft(outcome_map)
    await repository.remove(session, strategy)
    touch(outcome_map)
    await session.flush()
