"""Outcome journal rules (OM step 9): an entry is about one boundary partner of an agreed map
version, its ratings only on that partner's active markers of the version agreed during the
period (`in_force_during`), its periods exclusive per partner across versions. The lifecycle is
`lifecycle`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals import repository
from projects_service.journals.errors import (
    RatingMarkerNotInPartner,
    RatingOutsideMapVersion,
    UnknownBoundaryPartner,
)
from projects_service.journals.models import MarkerRating, OutcomeJournalEntry
from projects_service.journals.schemas.outcome import MarkerRatingInput, OutcomeJournalEntryCreate
from projects_service.journals.service.kind import (
    Journal,
    body_error,
    ensure_agreed,
    plain_evidence,
)
from projects_service.outcome_maps.models import MarkerState, OutcomeMap
from projects_service.projects.models import Project
from shared.problems import FieldError


def in_force_during(
    versions: Sequence[OutcomeMap], start: dt.date, end: dt.date
) -> list[OutcomeMap]:
    """The agreed versions (`versions`, in the order they were agreed) in force at some time in
    the period `start`..`end` (UTC days, inclusive). A version is in force from the day it was
    agreed to the day the next one was (both versions on that day). The first version also
    stands for periods before it: there is no earlier version to rate, so a baseline recorded
    after the intentional-design workshop rates the markers agreed there."""
    found = []
    for index, version in enumerate(versions):
        assert version.agreed_at is not None
        begins = None if index == 0 else version.agreed_at.date()
        ends = version.superseded_at.date() if version.superseded_at else None
        if (begins is None or begins <= end) and (ends is None or ends >= start):
            found.append(version)
    return found


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
        if ratings:
            pointers = [f"/marker_ratings/{i}/progress_marker_id" for i in range(len(ratings))]
            await self.ensure_version_in_force(session, entry, pointers)
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

    async def check_period(self, session: AsyncSession, entry: OutcomeJournalEntry) -> None:
        """A draft's new period must still fit the version its kept ratings point at."""
        if entry.ratings:
            await self.ensure_version_in_force(session, entry, ["/period_start", "/period_end"])

    async def ensure_version_in_force(
        self, session: AsyncSession, entry: OutcomeJournalEntry, pointers: list[str]
    ) -> None:
        """422 `rating-outside-map-version` unless the entry's map version was in force during
        its period; the problem names the versions that were (`versions_in_force`, each with
        this partner's id in it) so the client can record the entry against one of them."""
        versions = await repository.agreed_versions(session, entry.project_id)
        in_force = in_force_during(versions, entry.period_start, entry.period_end)
        if any(version.id == entry.outcome_map_id for version in in_force):
            return
        own = next(version for version in versions if version.id == entry.outcome_map_id)
        assert own.agreed_at is not None
        if own.agreed_at.date() > entry.period_end:
            why = (
                f"Version {own.map_version} was agreed on {own.agreed_at.date()}, after the "
                "period ended."
            )
        else:
            assert own.superseded_at is not None
            why = (
                f"Version {own.map_version} was superseded on {own.superseded_at.date()}, "
                "before the period began."
            )
        partners = await repository.partners_of_lineage(
            session, entry.partner_lineage_id, [version.id for version in in_force]
        )
        raise RatingOutsideMapVersion(
            f"{why} Rate the markers of the version agreed during the period "
            f"{entry.period_start}..{entry.period_end}.",
            errors=[error for pointer in pointers for error in body_error(pointer, why)],
            extra={
                "versions_in_force": [
                    {
                        "outcome_map_id": str(version.id),
                        "map_version": version.map_version,
                        "boundary_partner_id": (
                            str(partners[version.id]) if version.id in partners else None
                        ),
                    }
                    for version in in_force
                ]
            },
        )

    def event_data(self, entry: OutcomeJournalEntry) -> dict[str, Any]:
        return {"boundary_partner_id": entry.boundary_partner_id}


OUTCOME = OutcomeJournal()
