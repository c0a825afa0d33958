"""Outcome journal rules (OM step 9): an entry is about one boundary partner of an agreed map
version, its ratings only on that partner's active markers, its periods exclusive per partner
across versions. The lifecycle is `lifecycle`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals import repository
from projects_service.journals.errors import RatingMarkerNotInPartner, UnknownBoundaryPartner
from projects_service.journals.models import MarkerRating, OutcomeJournalEntry
from projects_service.journals.schemas.outcome import MarkerRatingInput, OutcomeJournalEntryCreate
from projects_service.journals.service.kind import (
    Journal,
    body_error,
    ensure_agreed,
    plain_evidence,
)
from projects_service.outcome_maps.models import MarkerState
from projects_service.projects.models import Project
from shared.problems import FieldError


class OutcomeJournal(Journal[OutcomeJournalEntry, OutcomeJournalEntryCreate]):
    model = OutcomeJournalEntry
    fields = (
        "description_of_change",
        "contributing_factors_and_actors",
        "sources_of_evidence",
        "unanticipated_change",
        "significance",
        "required_programme_changes",
    )
    clearable = ("sources_of_evidence", "unanticipated_change")
    children = "marker_ratings"
    child_model = MarkerRating
    scope_column = "partner_lineage_id"
    scope_label = "This partner"

    async def anchor(
        self, session: AsyncSession, project: Project, data: OutcomeJournalEntryCreate
    ) -> dict[str, Any]:
        partner_id = data.boundary_partner_id
        partner = await repository.get_partner(session, partner_id)
        outcome_map = (
            await repository.get_outcome_map(session, partner.outcome_map_id) if partner else None
        )
        if partner is None or outcome_map is None or outcome_map.project_id != project.id:
            raise UnknownBoundaryPartner(
                f"No boundary partner {partner_id} on {project.reference}.",
                errors=body_error("/boundary_partner_id", "Unknown partner."),
            )
        ensure_agreed(outcome_map, "/boundary_partner_id", "Partner of a draft map.")
        return {
            "outcome_map_id": outcome_map.id,
            "boundary_partner_id": partner.id,
            "partner_lineage_id": partner.lineage_id,
        }

    async def content(
        self, session: AsyncSession, entry: OutcomeJournalEntry, values: dict[str, Any]
    ) -> dict[str, Any]:
        """Evidence and unanticipated change are stored as JSON documents."""
        stored = dict(values)
        if "sources_of_evidence" in values:
            stored["sources_of_evidence"] = plain_evidence(values["sources_of_evidence"])
        if values.get("unanticipated_change") is not None:
            change = values["unanticipated_change"]
            stored["unanticipated_change"] = {
                **change,
                "sources_of_evidence": plain_evidence(change.get("sources_of_evidence")),
            }
        return stored

    async def child_rows(
        self, session: AsyncSession, entry: OutcomeJournalEntry, items: Sequence[Any]
    ) -> list[Any]:
        ratings: Sequence[MarkerRatingInput] = items
        markers = await repository.markers_of_partner(session, entry.boundary_partner_id)
        errors: list[FieldError] = []
        rows: list[Any] = []
        seen = set()
        for index, rating in enumerate(ratings):
            marker = markers.get(rating.progress_marker_id)
            pointer = f"/marker_ratings/{index}/progress_marker_id"
            if marker is None or marker.state is not MarkerState.active:
                errors += body_error(pointer, "Not an active marker of this partner.")
                continue
            if marker.id in seen:
                errors += body_error(pointer, "Rated twice.")
                continue
            seen.add(marker.id)
            rows.append(
                MarkerRating(
                    entry_id=entry.id,
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

    def event_data(self, entry: OutcomeJournalEntry) -> dict[str, Any]:
        return {"boundary_partner_id": entry.boundary_partner_id}


OUTCOME = OutcomeJournal()
