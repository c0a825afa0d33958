"""The lifecycle every OM monitoring journal shares (DOMAIN A1, "Journal entries"), written once
for the three kinds (`kind.Journal` supplies what differs).

- `draft` → `submitted` → `reviewed` (`JOURNAL_TRANSITIONS`), asked for with
  `POST /{entry_id}/transitions {"to"}`; any other move is a 409 `illegal-transition`. Only
  drafts are edited; submitted and reviewed entries are read-only.
- A correction is a new entry with `amends_id` naming a submitted or reviewed entry of the same
  journal and scope; when the correction is submitted the original becomes `amended`.
- Live entries of one scope (a boundary partner for outcome journals, the project's outcome map
  across its versions for strategy and performance journals) must not overlap in time: 422.
- Submitting publishes `journal.submitted` with a `journal` field naming the journal. A
  transition's `reason`, when given, is kept in the audit trail (the journals keep no history
  table of their own).

Functions flush, never commit."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from projects_service.journals import repository
from projects_service.journals.errors import (
    JournalEntryNotAmendable,
    JournalEntryNotFound,
    JournalEntryReadOnly,
    OverlappingJournalPeriod,
)
from projects_service.journals.models import (
    JOURNAL_TRANSITIONS,
    JournalEntryMixin,
    JournalKind,
    JournalStatus,
)
from projects_service.journals.schemas import (
    JournalEntryCreateBase,
    JournalEntryPatchBase,
    JournalTransition,
)
from projects_service.journals.service.kind import Journal, body_error
from projects_service.outcome_maps.models import Practice
from projects_service.projects.models import Project, ProjectStatus
from shared.auth import Principal
from shared.changes import emit_event, record_audit
from shared.db import utcnow
from shared.event_contract import DomainEvent
from shared.pagination import Pagination, Rows
from shared.patch import apply_changes, merge_patch_changes
from shared.problems import InvalidInput
from shared.project_access import PROJECT_WORK
from shared.transitions import check_transition

E = TypeVar("E", bound=JournalEntryMixin)
C = TypeVar("C", bound=JournalEntryCreateBase)

AMENDABLE = frozenset({JournalStatus.submitted, JournalStatus.reviewed})
# Content fields every journal has, next to each kind's own.
SHARED_FIELDS = ("contributors", "lessons")
PERIOD = ("period_start", "period_end")


async def get_or_404(
    session: AsyncSession, journal: Journal[E, Any], project: Project, entry_id: uuid.UUID
) -> E:
    """The entry with its child rows, or 404 (an entry of another project or journal too)."""
    entry = await repository.get_entry(session, journal.model, project.id, entry_id)
    if entry is None:
        raise JournalEntryNotFound(
            f"No {journal.model.kind} journal entry {entry_id} on {project.reference}."
        )
    return entry


def allowed_transitions(
    entry: JournalEntryMixin, project: Project, principal: Principal
) -> list[JournalStatus]:
    """The states `principal` may move the entry to now (membership aside: a contributor off
    the team still gets 403 when asking)."""
    if not PROJECT_WORK.may_move(principal, archived=project.status is ProjectStatus.archived):
        return []
    return list(JOURNAL_TRANSITIONS[entry.status])


async def reread(session: AsyncSession, entry: E) -> E:
    """The entry as it now is, child rows included (a write may have replaced them)."""
    fresh = await repository.get_entry(session, type(entry), entry.project_id, entry.id)
    assert fresh is not None
    return fresh


async def page(
    session: AsyncSession,
    journal: Journal[E, Any],
    project_id: uuid.UUID,
    pagination: Pagination,
    *,
    status: JournalStatus | None,
    period_from: dt.date | None,
    period_to: dt.date | None,
    equals: dict[str, uuid.UUID | None],
) -> Rows[E]:
    """One page of a project's entries, child rows loaded for the whole page at once."""
    statement = repository.list_statement(
        journal.model,
        project_id,
        status=status,
        period_from=period_from,
        period_to=period_to,
        equals=equals,
    )
    return await pagination.rows(
        session, statement, id_column=journal.model.id, updated_column=journal.model.updated_at
    )


async def create(
    session: AsyncSession, journal: Journal[E, C], project: Project, data: C, *, actor: str
) -> E:
    """A draft entry; with `amends_id`, the correction of a submitted or reviewed one."""
    entry = journal.model()
    apply_changes(
        entry,
        {
            "project_id": project.id,
            "period_start": data.period_start,
            "period_end": data.period_end,
            "amends_id": data.amends_id,
            "created_by": actor,
            **await journal.anchor(session, project, data),
        },
    )
    if data.amends_id is not None:
        await _check_amendable(session, journal, entry, data.amends_id)
    values = data.model_dump(include={*SHARED_FIELDS, *journal.fields})
    apply_changes(entry, await journal.content(session, entry, values))
    session.add(entry)
    await session.flush()
    await _check_overlap(session, journal, entry)
    if journal.children is not None:
        session.add_all(await journal.child_rows(session, entry, getattr(data, journal.children)))
        await session.flush()
    return entry


async def update(
    session: AsyncSession, journal: Journal[E, Any], entry: E, patch: JournalEntryPatchBase
) -> E:
    """Edit a draft (merge patch); the children, when sent, replace the old ones."""
    _ensure_draft(entry)
    own = [name for name in (*SHARED_FIELDS, *journal.fields) if name not in journal.clearable]
    children = [journal.children] if journal.children else []
    changes = merge_patch_changes(patch, required=(*own, *PERIOD, *children))
    replaced = journal.children is not None and changes.pop(journal.children, None) is not None
    period = {name: changes.pop(name) for name in PERIOD if name in changes}
    apply_changes(entry, {**period, **await journal.content(session, entry, changes)})
    if entry.period_end < entry.period_start:
        raise InvalidInput(
            "period_end must not be before period_start.",
            errors=body_error("/period_end", "Before period_start."),
        )
    if period:
        await _check_overlap(session, journal, entry)
        if not replaced:
            await journal.check_period(session, entry)
    if replaced:
        assert journal.children is not None
        assert journal.child_model is not None
        items = getattr(patch, journal.children) or []
        rows = await journal.child_rows(session, entry, items)
        await repository.replace_children(session, journal.child_model, entry.id, rows)
    await session.flush()
    return entry


async def transition(
    session: AsyncSession,
    journal: Journal[E, Any],
    entry: E,
    move: JournalTransition,
    *,
    actor: str,
) -> E:
    """draft → submitted or submitted → reviewed; anything else is `illegal-transition`."""
    before = entry.status
    check_transition(JOURNAL_TRANSITIONS, before, move.to)
    if move.to is JournalStatus.submitted:
        await _submit(session, journal, entry)
    else:
        entry.status = JournalStatus.reviewed
        entry.reviewed_by = actor
        entry.reviewed_at = utcnow()
        await session.flush()
    if move.reason is not None:
        await record_audit(
            session,
            entity_type=type(entry).__tablename__,
            entity_id=entry.id,
            action=move.to.value,
            changes={"status": {"before": before, "after": move.to}, "reason": move.reason},
        )
    return entry


class JournalSubmitted(
    DomainEvent,
    type_="journal.submitted",
    entity=("outcome_journal_entry", "strategy_journal_entry", "performance_journal_entry"),
):
    """A journal entry was submitted (`journal` names which journal); each journal adds its own
    field: `boundary_partner_id` (outcome), `strategy_ids` (strategy), `practices`
    (performance)."""

    journal: JournalKind
    journal_entry_id: uuid.UUID
    project_id: uuid.UUID
    outcome_map_id: uuid.UUID
    period_start: dt.date
    period_end: dt.date
    amends_id: uuid.UUID | None
    submitted_at: dt.datetime
    boundary_partner_id: uuid.UUID | None = None
    strategy_ids: list[str] | None = None
    practices: list[Practice] | None = None


async def _submit(session: AsyncSession, journal: Journal[E, Any], entry: E) -> None:
    """draft → submitted; an amended original becomes `amended`. Publishes `journal.submitted`
    with the fields every journal shares plus the kind's own."""
    if entry.amends_id is not None:
        original = await repository.get_by_id(session, type(entry), entry.amends_id)
        if original is None or original.status not in AMENDABLE:
            raise JournalEntryNotAmendable("The entry this amends was amended already.")
        original.status = JournalStatus.amended
    now = utcnow()
    entry.status = JournalStatus.submitted
    entry.submitted_at = now
    await session.flush()
    await emit_event(
        session,
        JournalSubmitted(
            journal=entry.kind,
            journal_entry_id=entry.id,
            project_id=entry.project_id,
            outcome_map_id=entry.outcome_map_id,
            period_start=entry.period_start,
            period_end=entry.period_end,
            amends_id=entry.amends_id,
            submitted_at=now,
            **journal.event_data(entry),
        ),
        entity_id=entry.id,
        entity_type=type(entry).__tablename__,
    )


def _ensure_draft(entry: JournalEntryMixin) -> None:
    if entry.status is not JournalStatus.draft:
        raise JournalEntryReadOnly(
            f"The entry is {entry.status}; record an amendment (`amends_id`) instead."
        )


async def _check_amendable(
    session: AsyncSession, journal: Journal[E, Any], entry: E, amends_id: uuid.UUID
) -> None:
    """The entry a new entry corrects: same project, same journal, same scope, and submitted
    or reviewed (a draft is simply edited; an amended entry was corrected already)."""
    original = await repository.get_entry(session, journal.model, entry.project_id, amends_id)
    column = journal.scope_column
    if (
        original is None
        or getattr(original, column) != getattr(entry, column)
        or original.status not in AMENDABLE
    ):
        raise JournalEntryNotAmendable(
            f"Entry {amends_id} cannot be amended by this {entry.kind} journal entry."
        )


async def _check_overlap(session: AsyncSession, journal: Journal[E, Any], entry: E) -> None:
    """422 when another live entry of the scope covers part of the entry's period. The entry an
    amendment corrects is not a rival: the amendment replaces it."""
    exclude = [entry.id] + ([entry.amends_id] if entry.amends_id else [])
    column = journal.scope_column
    if await repository.overlaps(
        session,
        journal.model,
        scope=(column, getattr(entry, column)),
        period_start=entry.period_start,
        period_end=entry.period_end,
        exclude=exclude,
    ):
        raise OverlappingJournalPeriod(
            f"{journal.scope_label} already has a {entry.kind} journal entry for part of that "
            "period.",
            errors=body_error("/period_start", "Overlaps another entry."),
        )
