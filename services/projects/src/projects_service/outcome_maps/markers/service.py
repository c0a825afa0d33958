"""Progress markers: rules (drafts only; an agreed marker's wording changes by revision, a
successor created with `revises_id` and a rationale, never by edit; retirement by transition;
revised and retired markers are kept). Functions flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.outcome_maps import lifecycle, repository
from projects_service.outcome_maps.drafts import ensure_draft, touch
from projects_service.outcome_maps.errors import (
    AgreedMarkerNeedsRevision,
    MarkerNotActive,
    RevisionRationaleRequired,
    UnknownRevisedMarker,
)
from projects_service.outcome_maps.models import (
    MARKER_TRANSITIONS,
    BoundaryPartner,
    MarkerState,
    OutcomeMap,
    ProgressMarker,
    RevisionRationale,
)
from projects_service.outcome_maps.schemas import (
    MarkerCreate,
    MarkerPatch,
    MarkerRead,
    MarkerTransition,
)
from projects_service.projects.models import Project
from shared.auth import Principal
from shared.changes import emit_event
from shared.db import new_id
from shared.event_contract import DomainEvent
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput

_RATIONALE = ("rationale_category", "rationale_note")


def present(
    marker: ProgressMarker, outcome_map: OutcomeMap, project: Project, principal: Principal
) -> MarkerRead:
    """The marker as `principal` reads it (its `allowed_transitions` depend on who asks)."""
    allowed = lifecycle.marker_moves(marker, outcome_map, project, principal)
    return MarkerRead.model_validate(marker).for_caller(allowed)


async def add_marker(
    session: AsyncSession, outcome_map: OutcomeMap, partner: BoundaryPartner, *, data: MarkerCreate
) -> ProgressMarker:
    """A new marker of the partner; with `revises_id`, the successor of one (a revision)."""
    ensure_draft(outcome_map)
    if data.revises_id is not None:
        return await _revise(session, outcome_map, partner, data=data)
    stray = [name for name in _RATIONALE if name in data.model_fields_set]
    if stray:
        raise InvalidInput(
            "A rationale goes with a revision: send `revises_id` too, or leave it out.",
            errors=[
                FieldError(pointer=f"/{name}", location="body", detail="Only with revises_id.")
                for name in stray
            ],
        )
    marker_id = new_id()
    marker = ProgressMarker(
        id=marker_id,
        lineage_id=marker_id,
        boundary_partner_id=partner.id,
        outcome_map_id=outcome_map.id,
        **data.model_dump(exclude={"revises_id", *_RATIONALE}),
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
        raise AgreedMarkerNeedsRevision(
            "POST the partner's markers with `revises_id`, a rationale category and a note."
        )
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


class ProgressMarkerRevised(DomainEvent, type_="progress_marker.revised", entity="progress_marker"):
    """A progress marker was replaced by its successor (never deleted), with the rationale."""

    progress_marker_id: uuid.UUID
    successor_id: uuid.UUID
    project_id: uuid.UUID
    outcome_map_id: uuid.UUID
    boundary_partner_id: uuid.UUID
    rationale_category: RevisionRationale | None
    rationale_note: str
    after_agreement: bool


async def _revise(
    session: AsyncSession, outcome_map: OutcomeMap, partner: BoundaryPartner, *, data: MarkerCreate
) -> ProgressMarker:
    """Replace a marker by a successor (never delete): the old one becomes `revised`. The
    successor keeps the old one's position and weight unless the body gives them."""
    assert data.revises_id is not None
    marker = await repository.get_element(session, ProgressMarker, outcome_map.id, data.revises_id)
    if marker is None or marker.boundary_partner_id != partner.id:
        raise UnknownRevisedMarker(
            f"No progress marker {data.revises_id} of {partner.name} in this version.",
            errors=[FieldError(pointer="/revises_id", location="body", detail="Not found.")],
        )
    _ensure_active(marker)
    _require_rationale(marker, data.rationale_category, data.rationale_note)
    given = data.model_fields_set
    successor_id = new_id()
    successor = ProgressMarker(
        id=successor_id,
        lineage_id=successor_id,
        boundary_partner_id=marker.boundary_partner_id,
        outcome_map_id=outcome_map.id,
        level=data.level,
        text=data.text,
        position=data.position if "position" in given else marker.position,
        weight=data.weight if "weight" in given else marker.weight,
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
        ProgressMarkerRevised(
            progress_marker_id=marker.id,
            successor_id=successor_id,
            project_id=outcome_map.project_id,
            outcome_map_id=outcome_map.id,
            boundary_partner_id=marker.boundary_partner_id,
            rationale_category=data.rationale_category,
            rationale_note=data.rationale_note,
            after_agreement=marker.cloned_from_id is not None,
        ),
        entity_id=marker.id,
    )
    return successor


async def transition_marker(
    session: AsyncSession,
    outcome_map: OutcomeMap,
    marker: ProgressMarker,
    *,
    move: MarkerTransition,
) -> ProgressMarker:
    """active → retired, in a draft (a marker that was agreed needs a rationale); anything else
    is `illegal-transition`. A reason given is kept in the audit trail."""
    ensure_draft(outcome_map)
    before = marker.state
    lifecycle.check_move(MARKER_TRANSITIONS, before, move.to)
    _require_rationale(marker, move.rationale_category, move.rationale_note)
    marker.state = MarkerState.retired
    marker.rationale_category = move.rationale_category
    marker.rationale_note = move.rationale_note
    touch(outcome_map)
    await session.flush()
    await lifecycle.audit_reason(
        session,
        entity_type=ProgressMarker.__tablename__,
        entity_id=marker.id,
        field="state",
        before=before,
        after=move.to,
        reason=move.reason,
    )
    return marker
