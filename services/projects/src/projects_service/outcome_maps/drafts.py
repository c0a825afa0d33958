"""Outcome maps: the rules every element write shares (only a draft changes; a change to an
element bumps its map's ETag) and the dates check of plan items."""

from __future__ import annotations

import datetime as dt
from typing import Any

from projects_service.outcome_maps.errors import OutcomeMapReadOnly
from projects_service.outcome_maps.models import MapStatus, OutcomeMap
from shared.db import utcnow
from shared.problems import FieldError, InvalidInput


def ensure_draft(outcome_map: OutcomeMap) -> None:
    if outcome_map.status is not MapStatus.draft:
        raise OutcomeMapReadOnly(
            f"Version {outcome_map.map_version} is {outcome_map.status}; "
            "PATCH the agreed version to start a draft."
        )


def touch(outcome_map: OutcomeMap) -> None:
    """Bump the map's ETag when any of its elements changes (the detail read includes them)."""
    outcome_map.updated_at = utcnow()


def unique_refs(refs: Any) -> list[str]:
    """Stakeholder refs as stored: strings, each once, in the order given."""
    return [str(ref) for ref in dict.fromkeys(refs)]


def dates_in_order(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise InvalidInput(
            "end_date must not be before start_date.",
            errors=[FieldError(pointer="/end_date", location="body", detail="Before start_date.")],
        )
