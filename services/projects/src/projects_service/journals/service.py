"""Outcome journal rules (OM step 9): ratings only on active markers of the partner's agreed
version, periods exclusive per partner across versions. The lifecycle (append-only, amendments,
read-only once reviewed, `journal.submitted`) is `journals.lifecycle`. Functions flush, never
commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from projects_service.journals import lifecycle, repository
from projects_service.journals.errors import (
    JournalNeedsAgreedMap,
    RatingMarkerNotInPartner,
    UnknownBoundaryPartner,
)
from projects_service.journals.models import MarkerRating, OutcomeJournalEntry
from projects_service.journals.schemas import (
    MarkerRatingInput,
    OutcomeJournalEntryCreate,
    OutcomeJournalEntryPatch,
)
from projects_service.outcome_maps.models import BoundaryPartner, MapStatus, MarkerState, OutcomeMap
from projects_service.projects.models import Project
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError

_FIELDS = (
    "contributors",
    "description_of_change",
    "contributing_factors_and_actors",
    "significance",
    "lessons",
    "required_programme_changes",
)


async def get_entry(
    session: AsyncSession, project_id: uuid.UUID, entry_id: uuid.UUID
) -> OutcomeJournalEntry | None:
    return await repository.get_entry(
        session,
        OutcomeJournalEntry,
        project_id,
        entry_id,
        selectinload(OutcomeJournalEntry.ratings),
    )


async def _partner_of_agreed_map(
    session: AsyncSession, project: Project, partner_id: uuid.UUID
) -> tuple[BoundaryPartner, OutcomeMap]:
    partner = await session.get(BoundaryPartner, partner_id)
    outcome_map = await session.get(OutcomeMap, partner.outcome_map_id) if partner else None
    if partner is None or outcome_map is None or outcome_map.project_id != project.id:
        raise UnknownBoundaryPartner(
            f"No boundary partner {partner_id} on {project.reference}.",
            errors=[
                FieldError(
                    pointer="/boundary_partner_id", location="body", detail="Unknown partner."
                )
            ],
        )
    if outcome_map.status is MapStatus.draft:
        raise JournalNeedsAgreedMap(
            "Agree the outcome map before journalling against it.",
            errors=[
                FieldError(
                    pointer="/boundary_partner_id",
                    location="body",
                    detail="Partner of a draft map.",
                )
            ],
        )
    return partner, outcome_map


async def _ratings(
    session: AsyncSession,
    entry_id: uuid.UUID,
    partner: BoundaryPartner,
    ratings: list[MarkerRatingInput],
) -> list[MarkerRating]:
    markers = await repository.markers_of_partner(session, partner.id)
    errors, rows, seen = [], [], set()
    for index, rating in enumerate(ratings):
        marker = markers.get(rating.progress_marker_id)
        pointer = f"/marker_ratings/{index}/progress_marker_id"
        if marker is None or marker.state is not MarkerState.active:
            errors.append(
                FieldError(
                    pointer=pointer, location="body", detail="Not an active marker of this partner."
                )
            )
            continue
        if marker.id in seen:
            errors.append(FieldError(pointer=pointer, location="body", detail="Rated twice."))
            continue
        seen.add(marker.id)
        rows.append(
            MarkerRating(
                entry_id=entry_id,
                progress_marker_id=marker.id,
                marker_lineage_id=marker.lineage_id,
                level=marker.level,
                rating=rating.rating,
                note=rating.note,
                position=index,
            )
        )
    if errors:
        raise RatingMarkerNotInPartner(
            "Some ratings do not fit the partner's markers.", errors=errors
        )
    return rows


async def _check_overlap(session: AsyncSession, entry: OutcomeJournalEntry) -> None:
    await lifecycle.check_overlap(
        session, entry, scope=repository.outcome_scope(entry), scope_label="This partner"
    )


def _json_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Evidence and unanticipated change are stored as JSON documents."""
    out: dict[str, Any] = {}
    if "sources_of_evidence" in data:
        out["sources_of_evidence"] = lifecycle.plain_evidence(data["sources_of_evidence"])
    if "unanticipated_change" in data:
        change = data["unanticipated_change"]
        out["unanticipated_change"] = (
            None
            if change is None
            else {
                **change,
                "sources_of_evidence": lifecycle.plain_evidence(change.get("sources_of_evidence")),
            }
        )
    return out


async def create_entry(
    session: AsyncSession, project: Project, *, data: OutcomeJournalEntryCreate, actor: str
) -> OutcomeJournalEntry:
    partner, outcome_map = await _partner_of_agreed_map(session, project, data.boundary_partner_id)
    if data.amends_id is not None:
        await lifecycle.amendable_original(
            session,
            OutcomeJournalEntry,
            project.id,
            data.amends_id,
            same_scope=lambda original: original.partner_lineage_id == partner.lineage_id,
        )
    dumped = data.model_dump()
    entry = OutcomeJournalEntry(
        project_id=project.id,
        outcome_map_id=outcome_map.id,
        boundary_partner_id=partner.id,
        partner_lineage_id=partner.lineage_id,
        period_start=data.period_start,
        period_end=data.period_end,
        amends_id=data.amends_id,
        created_by=actor,
        **{name: dumped[name] for name in _FIELDS},
        **_json_fields(dumped),
    )
    session.add(entry)
    await session.flush()
    await _check_overlap(session, entry)
    session.add_all(await _ratings(session, entry.id, partner, data.marker_ratings))
    await session.flush()
    return entry


async def update_entry(
    session: AsyncSession,
    project: Project,
    entry: OutcomeJournalEntry,
    *,
    patch: OutcomeJournalEntryPatch,
) -> OutcomeJournalEntry:
    lifecycle.ensure_draft(entry)
    changes = merge_patch_changes(
        patch, required=(*_FIELDS, "period_start", "period_end", "marker_ratings")
    )
    ratings = changes.pop("marker_ratings", None)
    json_changes = _json_fields(changes)
    changes.pop("sources_of_evidence", None)
    changes.pop("unanticipated_change", None)
    apply_changes(entry, {**changes, **json_changes})
    lifecycle.check_period(entry.period_start, entry.period_end)
    if "period_start" in changes or "period_end" in changes:
        await _check_overlap(session, entry)
    if ratings is not None:
        partner = await session.get(BoundaryPartner, entry.boundary_partner_id)
        assert partner is not None
        rows = await _ratings(session, entry.id, partner, [MarkerRatingInput(**r) for r in ratings])
        await repository.replace_ratings(session, entry.id, rows)
    await session.flush()
    return entry


async def submit_entry(session: AsyncSession, entry: OutcomeJournalEntry) -> OutcomeJournalEntry:
    """draft → submitted; an amended original becomes `amended`. Emits `journal.submitted`."""
    return await lifecycle.submit(
        session, entry, data={"boundary_partner_id": entry.boundary_partner_id}
    )


async def review_entry(
    session: AsyncSession, entry: OutcomeJournalEntry, *, reviewer: str
) -> OutcomeJournalEntry:
    """submitted → reviewed: from now on read-only."""
    return await lifecycle.review(session, entry, reviewer=reviewer)
