"""The lifecycle every OM monitoring journal shares (DOMAIN A1, "Journal entries").

- `draft` → `submitted` → `reviewed`; only drafts are edited, reviewed entries are read-only.
- A correction is a new entry with `amends_id` naming a submitted or reviewed entry of the same
  journal and scope; when the correction is submitted the original becomes `amended`.
- Live entries of one scope (a boundary partner for outcome journals, the project's outcome map
  across its versions for strategy and performance journals) must not overlap in time: 422.
- Submitting publishes `journal.submitted` with a `journal` field naming the journal.

Each journal's service adds its own content rules and calls these. Functions flush, never
commit."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals import repository
from projects_service.journals.errors import (
    IllegalJournalTransition,
    JournalEntryNotAmendable,
    JournalEntryReadOnly,
    JournalNeedsAgreedMap,
    OverlappingJournalPeriod,
    UnknownOutcomeMap,
)
from projects_service.journals.models import JournalEntryMixin, JournalStatus
from projects_service.outcome_maps.models import MapStatus, OutcomeMap
from projects_service.projects.models import Project
from shared.changes import emit_event
from shared.db import utcnow
from shared.problems import FieldError, InvalidInput

E = TypeVar("E", bound=JournalEntryMixin)
# The entries a period must not overlap with (e.g. one partner's, or one project's).
Scope = ColumnElement[bool]

AMENDABLE = frozenset({JournalStatus.submitted, JournalStatus.reviewed})


def _field(pointer: str, detail: str) -> list[FieldError]:
    return [FieldError(pointer=pointer, location="body", detail=detail)]


def check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise InvalidInput(
            "period_end must not be before period_start.",
            errors=_field("/period_end", "Before period_start."),
        )


def ensure_draft(entry: JournalEntryMixin) -> None:
    if entry.status is not JournalStatus.draft:
        raise JournalEntryReadOnly(
            f"The entry is {entry.status}; record an amendment (`amends_id`) instead."
        )


async def agreed_map_of(session: AsyncSession, project: Project, map_id: uuid.UUID) -> OutcomeMap:
    """The outcome-map version a strategy or performance entry is recorded against: one of the
    project's versions that has been agreed (the current one, or a superseded one for a late
    entry about an earlier period)."""
    outcome_map = await session.get(OutcomeMap, map_id)
    if outcome_map is None or outcome_map.project_id != project.id:
        raise UnknownOutcomeMap(
            f"No outcome map {map_id} on {project.reference}.",
            errors=_field("/outcome_map_id", "Unknown outcome map."),
        )
    if outcome_map.status is MapStatus.draft:
        raise JournalNeedsAgreedMap(
            "Agree the outcome map before journalling against it.",
            errors=_field("/outcome_map_id", "A draft map."),
        )
    return outcome_map


async def amendable_original(
    session: AsyncSession,
    model: type[E],
    project_id: uuid.UUID,
    amends_id: uuid.UUID,
    *,
    same_scope: Callable[[E], bool] = lambda _: True,
) -> E:
    """The entry a new entry corrects: same project, same journal, same scope, and submitted
    or reviewed (a draft is simply edited; an amended entry was corrected already)."""
    original = await repository.get_entry(session, model, project_id, amends_id)
    if original is None or not same_scope(original) or original.status not in AMENDABLE:
        raise JournalEntryNotAmendable(
            f"Entry {amends_id} cannot be amended by this {model.kind} journal entry."
        )
    return original


async def check_overlap(session: AsyncSession, entry: E, *, scope: Scope, scope_label: str) -> None:
    """422 when another live entry of `scope` covers part of the entry's period. The entry an
    amendment corrects is not a rival: the amendment replaces it."""
    exclude = [entry.id] + ([entry.amends_id] if entry.amends_id else [])
    if await repository.overlaps(
        session,
        type(entry),
        scope=scope,
        period_start=entry.period_start,
        period_end=entry.period_end,
        exclude=exclude,
    ):
        raise OverlappingJournalPeriod(
            f"{scope_label} already has a {entry.kind} journal entry for part of that period.",
            errors=_field("/period_start", "Overlaps another entry."),
        )


async def submit(session: AsyncSession, entry: E, *, data: Mapping[str, Any]) -> E:
    """draft → submitted; an amended original becomes `amended`. Publishes `journal.submitted`
    with the fields every journal shares plus the journal's own `data`."""
    if entry.status is not JournalStatus.draft:
        raise IllegalJournalTransition(f"Only a draft is submitted; this entry is {entry.status}.")
    if entry.amends_id is not None:
        original = await session.get(type(entry), entry.amends_id)
        if original is None or original.status not in AMENDABLE:
            raise JournalEntryNotAmendable("The entry this amends was amended already.")
        original.status = JournalStatus.amended
    now = utcnow()
    entry.status = JournalStatus.submitted
    entry.submitted_at = now
    await session.flush()
    await emit_event(
        session,
        type_="journal.submitted",
        entity_type=type(entry).__tablename__,
        entity_id=entry.id,
        data={
            "journal": entry.kind,
            "journal_entry_id": entry.id,
            "project_id": entry.project_id,
            "outcome_map_id": entry.outcome_map_id,
            "period_start": entry.period_start,
            "period_end": entry.period_end,
            "amends_id": entry.amends_id,
            "submitted_at": now,
            **data,
        },
    )
    return entry


async def review(session: AsyncSession, entry: E, *, reviewer: str) -> E:
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


def plain_evidence(sources: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Evidence sources as stored in JSON documents (URLs as strings)."""
    return [
        {"text": source["text"], "uri": str(source["uri"]) if source.get("uri") else None}
        for source in sources or []
    ]
