"""Progress markers: rules (drafts only; an agreed marker's wording changes by revision with a
rationale, never by edit; revised and retired markers are kept). Functions flush, never commit."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps import repository
from projects_service.outcome_maps.drafts import ensure_draft, touch
from projects_service.outcome_maps.errors import (
    AgreedMarkerNeedsRevision,
    MarkerNotActive,
    RevisionRationaleRequired,
)
from projects_service.outcome_maps.models import (
    BoundaryPartner,
    MarkerState,
    OutcomeMap,
    ProgressMarker,
)
from projects_service.outcome_maps.schemas import (
    MarkerCreate,
    MarkerPatch,
    MarkerRetire,
    MarkerRevise,
)
from shared.changes import emit_event
from shared.db import new_id
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError


async def add_marker(
    session: AsyncSession, outcome_map: OutcomeMap, partner: BoundaryPartner, *, data: MarkerCreate
) -> ProgressMarker:
    ensure_draft(outcome_map)
    marker_id = new_id()
    marker = ProgressMarker(
        id=marker_id,
        lineage_id=marker_id,
        boundary_partner_id=partner.id,
        outcome_map_id=outcome_map.id,
        **data.model_dump(),
    )
    repository.add(session, marker)
    touch(outcome_map)
    await session.flush()
    return marker


def _ensure_active(marker: ProgressMarker) -> None:
    if marker.state is not MarkerState.active:
        raise MarkerNotActive(f"The marker is {marker.state}; edit its successor instead.")


async def update_marker(
    session: AsyncSession, outcome_map: OutcomeMap, marker: ProgressMarker, *, patch: MarkerPatch
) -> ProgressMarker:
    ensure_draft(outcome_map)
    _ensure_active(marker)
    changes = merge_patch_changes(patch, required=tuple(patch.model_fields_set))
    wording = {k for k in ("text", "level") if k in changes and changes[k] != getattr(marker, k)}
    if wording and marker.cloned_from_id is not None:
        raise AgreedMarkerNeedsRevision("POST .../revise with a rationale category and note.")
    apply_changes(marker, changes)
    touch(outcome_map)
    await session.flush()
    return marker


def _require_rationale(marker: ProgressMarker, category: object, note: str) -> None:
    if marker.cloned_from_id is None:
        return  # never agreed: a drafting change, no rationale needed
    errors = []
    if category is None:
        errors.append(
            FieldError(
                pointer="/rationale_category", location="body", detail="Required after agreement."
            )
        )
    if not note.strip():
        errors.append(
            FieldError(
                pointer="/rationale_note", location="body", detail="Required after agreement."
            )
        )
    if errors:
        raise RevisionRationaleRequired(
            "This marker was agreed; say why it changes.", errors=errors
        )


async def revise_marker(
    session: AsyncSession, outcome_map: OutcomeMap, marker: ProgressMarker, *, data: MarkerRevise
) -> ProgressMarker:
    """Replace a marker by a successor (never delete): the old one becomes `revised`."""
    ensure_draft(outcome_map)
    _ensure_active(marker)
    _require_rationale(marker, data.rationale_category, data.rationale_note)
    successor_id = new_id()
    successor = ProgressMarker(
        id=successor_id,
        lineage_id=successor_id,
        boundary_partner_id=marker.boundary_partner_id,
        outcome_map_id=outcome_map.id,
        level=data.level or marker.level,
        text=data.text,
        position=marker.position,
        weight=marker.weight,
        revises_id=marker.id,
        rationale_category=data.rationale_category,
        rationale_note=data.rationale_note,
    )
    repository.add(session, successor)
    marker.state = MarkerState.revised
    marker.replaced_by_id = successor_id
    marker.rationale_category = data.rationale_category
    marker.rationale_note = data.rationale_note
    touch(outcome_map)
    await session.flush()
    await emit_event(
        session,
        type_="progress_marker.revised",
        entity_type="progress_marker",
        entity_id=marker.id,
        data={
            "progress_marker_id": marker.id,
            "successor_id": successor_id,
            "project_id": outcome_map.project_id,
            "outcome_map_id": outcome_map.id,
            "boundary_partner_id": marker.boundary_partner_id,
            "rationale_category": data.rationale_category,
            "rationale_note": data.rationale_note,
            "after_agreement": marker.cloned_from_id is not None,
        },
    )
    return successor


async def retire_marker(
    session: AsyncSession, outcome_map: OutcomeMap, marker: ProgressMarker, *, data: MarkerRetire
) -> ProgressMarker:
    ensure_draft(outcome_map)
    _ensure_active(marker)
    _require_rationale(marker, data.rationale_category, data.rationale_note)
    marker.state = MarkerState.retired
    marker.rationale_category = data.rationale_category
    marker.rationale_note = data.rationale_note
    touch(outcome_map)
    await session.flush()
    return marker
