"""Outcome journal rules: append-only with amendments, no overlapping periods per partner,
ratings only on active markers of the partner's agreed version. Functions flush, never commit."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals import repository
from projects_service.journals.errors import (
    IllegalJournalTransition,
    JournalEntryNotAmendable,
    JournalEntryReadOnly,
    JournalNeedsAgreedMap,
    OverlappingJournalPeriod,
    RatingMarkerNotInPartner,
    UnknownBoundaryPartner,
)
from projects_service.journals.models import JournalStatus, MarkerRating, OutcomeJournalEntry
from projects_service.journals.schemas import (
    MarkerRatingInput,
    OutcomeJournalEntryCreate,
    OutcomeJournalEntryPatch,
)
from projects_service.outcome_maps.models import BoundaryPartner, MapStatus, MarkerState, OutcomeMap
from projects_service.projects.models import Project
from shared.changes import emit_event
from shared.db import utcnow
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import FieldError, InvalidInput

_FIELDS = (
    "contributors",
    "description_of_change",
    "contributing_factors_and_actors",
    "significance",
    "lessons",
    "required_programme_changes",
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
    exclude = [entry.id] + ([entry.amends_id] if entry.amends_id else [])
    if await repository.overlaps(
        session,
        partner_lineage_id=entry.partner_lineage_id,
        period_start=entry.period_start,
        period_end=entry.period_end,
        exclude=exclude,
    ):
        raise OverlappingJournalPeriod(
            "This partner already has a journal entry for part of that period.",
            errors=[
                FieldError(
                    pointer="/period_start", location="body", detail="Overlaps another entry."
                )
            ],
        )


def _json_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Evidence and unanticipated change are stored as JSON documents."""
    out: dict[str, Any] = {}
    if "sources_of_evidence" in data:
        out["sources_of_evidence"] = [
            _plain(source) for source in data["sources_of_evidence"] or []
        ]
    if "unanticipated_change" in data:
        change = data["unanticipated_change"]
        out["unanticipated_change"] = (
            None
            if change is None
            else {
                **change,
                "sources_of_evidence": [_plain(s) for s in change.get("sources_of_evidence", [])],
            }
        )
    return out


def _plain(source: dict[str, Any]) -> dict[str, Any]:
    return {"text": source["text"], "uri": str(source["uri"]) if source.get("uri") else None}


async def create_entry(
    session: AsyncSession, project: Project, *, data: OutcomeJournalEntryCreate, actor: str
) -> OutcomeJournalEntry:
    partner, outcome_map = await _partner_of_agreed_map(session, project, data.boundary_partner_id)
    if data.amends_id is not None:
        original = await repository.get(session, project.id, data.amends_id)
        if (
            original is None
            or original.partner_lineage_id != partner.lineage_id
            or original.status not in (JournalStatus.submitted, JournalStatus.reviewed)
        ):
            raise JournalEntryNotAmendable(
                f"Entry {data.amends_id} cannot be amended by this entry."
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


def _ensure_draft(entry: OutcomeJournalEntry) -> None:
    if entry.status is not JournalStatus.draft:
        raise JournalEntryReadOnly(
            f"The entry is {entry.status}; record an amendment (`amends_id`) instead."
        )


async def update_entry(
    session: AsyncSession,
    project: Project,
    entry: OutcomeJournalEntry,
    *,
    patch: OutcomeJournalEntryPatch,
) -> OutcomeJournalEntry:
    _ensure_draft(entry)
    changes = merge_patch_changes(
        patch, required=(*_FIELDS, "period_start", "period_end", "marker_ratings")
    )
    ratings = changes.pop("marker_ratings", None)
    json_changes = _json_fields(changes)
    changes.pop("sources_of_evidence", None)
    changes.pop("unanticipated_change", None)
    apply_changes(entry, {**changes, **json_changes})
    if entry.period_end < entry.period_start:
        raise InvalidInput(
            "period_end must not be before period_start.",
            errors=[
                FieldError(pointer="/period_end", location="body", detail="Before period_start.")
            ],
        )
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
    if entry.status is not JournalStatus.draft:
        raise IllegalJournalTransition(f"Only a draft is submitted; this entry is {entry.status}.")
    now = utcnow()
    if entry.amends_id is not None:
        original = await session.get(OutcomeJournalEntry, entry.amends_id)
        if original is None or original.status not in (
            JournalStatus.submitted,
            JournalStatus.reviewed,
        ):
            raise JournalEntryNotAmendable("The entry this amends was amended already.")
        original.status = JournalStatus.amended
    entry.status = JournalStatus.submitted
    entry.submitted_at = now
    await session.flush()
    await emit_event(
        session,
        type_="journal.submitted",
        entity_type="outcome_journal_entry",
        entity_id=entry.id,
        data={
            "journal": "outcome",
            "journal_entry_id": entry.id,
            "project_id": entry.project_id,
            "outcome_map_id": entry.outcome_map_id,
            "boundary_partner_id": entry.boundary_partner_id,
            "period_start": entry.period_start,
            "period_end": entry.period_end,
            "amends_id": entry.amends_id,
            "submitted_at": now,
        },
    )
    return entry


async def review_entry(
    session: AsyncSession, entry: OutcomeJournalEntry, *, reviewer: str
) -> OutcomeJournalEntry:
    """submitted → reviewed: from now on read-only."""
    if entry.status is not JournalStatus.submitted:
        raise IllegalJournalTransition(
            f"Only a submitted entry is reviewed; this entry is {entry.status}."
        )
    entry.status = JournalStatus.reviewed
    entry.reviewed_by = reviewer
    entry.reviewed_at = utcnow()
    await session.flush()
    return entry
