"""Monitoring and evaluation plans: rules (drafts only; a monitoring priority names a partner,
strategy or practice of this version; dates in order). Functions flush, never commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps import repository
from projects_service.outcome_maps.drafts import dates_in_order, ensure_draft, touch
from projects_service.outcome_maps.errors import InvalidMonitoringPriority
from projects_service.outcome_maps.models import (
    BoundaryPartner,
    EvaluationPlanItem,
    MonitoringPlanItem,
    OutcomeMap,
    Practice,
    PriorityKind,
    Strategy,
)
from projects_service.outcome_maps.schemas import (
    EvaluationPlanItemCreate,
    EvaluationPlanItemPatch,
    EvaluationPlanItemRead,
    MonitoringPlanItemCreate,
    MonitoringPlanItemPatch,
    MonitoringPlanItemRead,
)
from shared.pagination import Page, Pagination
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError


async def list_monitoring_items(
    session: AsyncSession, outcome_map: OutcomeMap, pagination: Pagination
) -> Page[MonitoringPlanItemRead]:
    rows = await pagination.rows(
        session,
        repository.plan_items_statement(MonitoringPlanItem, outcome_map.id),
        id_column=MonitoringPlanItem.id,
        updated_column=MonitoringPlanItem.updated_at,
    )
    return rows.as_page(MonitoringPlanItemRead)


async def list_evaluation_items(
    session: AsyncSession, outcome_map: OutcomeMap, pagination: Pagination
) -> Page[EvaluationPlanItemRead]:
    rows = await pagination.rows(
        session,
        repository.plan_items_statement(EvaluationPlanItem, outcome_map.id),
        id_column=EvaluationPlanItem.id,
        updated_column=EvaluationPlanItem.updated_at,
    )
    return rows.as_page(EvaluationPlanItemRead)


async def add_monitoring_item(
    session: AsyncSession, outcome_map: OutcomeMap, *, data: MonitoringPlanItemCreate
) -> MonitoringPlanItem:
    ensure_draft(outcome_map)
    await _check_priority(session, outcome_map, data.priority_kind, data.priority_ref)
    item = MonitoringPlanItem(outcome_map_id=outcome_map.id, **data.model_dump())
    repository.add(session, item)
    touch(outcome_map)
    await session.flush()
    return item


async def _check_priority(
    session: AsyncSession, outcome_map: OutcomeMap, kind: PriorityKind, ref: str
) -> None:
    valid = False
    if kind is PriorityKind.organisational_practice:
        valid = ref in Practice.__members__
    else:
        try:
            element_id = uuid.UUID(ref)
        except ValueError:
            element_id = None
        if element_id is not None:
            found: BoundaryPartner | Strategy | None
            if kind is PriorityKind.boundary_partner:
                found = await repository.get_element(
                    session, BoundaryPartner, outcome_map.id, element_id
                )
            else:
                found = await repository.get_element(session, Strategy, outcome_map.id, element_id)
            valid = found is not None
    if not valid:
        raise InvalidMonitoringPriority(
            f"No {kind} {ref!r} in this version.",
            errors=[
                FieldError(
                    pointer="/priority_ref", location="body", detail=f"Not a {kind} of this map."
                )
            ],
        )


async def update_monitoring_item(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    item: MonitoringPlanItem,
    *,
    patch: MonitoringPlanItemPatch,
) -> MonitoringPlanItem:
    ensure_draft(outcome_map)
    apply_changes(item, merge_patch_changes(patch, required=tuple(patch.model_fields_set)))
    touch(outcome_map)
    await session.flush()
    return item


async def add_evaluation_item(
    session: AsyncSession, outcome_map: OutcomeMap, *, data: EvaluationPlanItemCreate
) -> EvaluationPlanItem:
    ensure_draft(outcome_map)
    dates_in_order(data.start_date, data.end_date)
    item = EvaluationPlanItem(outcome_map_id=outcome_map.id, **data.model_dump())
    repository.add(session, item)
    touch(outcome_map)
    await session.flush()
    return item


async def update_evaluation_item(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    item: EvaluationPlanItem,
    *,
    patch: EvaluationPlanItemPatch,
) -> EvaluationPlanItem:
    ensure_draft(outcome_map)
    changes: dict[str, Any] = merge_patch_changes(patch, required=("evaluation_issue", "questions"))
    dates_in_order(
        changes.get("start_date", item.start_date), changes.get("end_date", item.end_date)
    )
    apply_changes(item, changes)
    touch(outcome_map)
    await session.flush()
    return item


async def delete_plan_item(
    session: AsyncSession, outcome_map: OutcomeMap, item: MonitoringPlanItem | EvaluationPlanItem
) -> None:
    """A draft's monitoring or evaluation plan item may go; agreed versions are read-only."""
    ensure_draft(outcome_map)
    await repository.remove(session, item)
    touch(outcome_map)
    await session.flush()
