"""Audit trail and transactional outbox, captured once for every write.

Models that mix in `Audited` are watched by one ORM flush hook: each insert, update and delete
writes an `audit_entry` (actor, request id, changed fields before/after) and an `outbox_event`
(`<entity>.created|updated|deleted` with the entity's snapshot) in the same transaction as the
change itself. No service function can forget either. Domain events that are more than a row
change (`decision.recorded`) are added with `emit_event`, which takes only a declared
`shared.event_contract.DomainEvent`; the catalog of every event type and its JSON Schema is built
in shared.event_contract.

Ordering: on PostgreSQL a writing transaction takes one transaction-scoped advisory lock, the
write lock (`take_write_lock`), so audit and outbox sequences are assigned in commit order and a
reader of the feed or the audit trail never sees seq N+1 before N is visible. It takes it before
its first row lock, not just before its first audit insert: a flush, an INSERT, UPDATE or DELETE,
and a `SELECT ... FOR UPDATE` all take it first (hooks below). A transaction holding row locks
(an INSERT's foreign-key check locks the parent row) that then waited for the write lock would
deadlock with its holder as soon as that one wanted the same row, and PostgreSQL would abort one
of them: a 500. SQLite has one writer at a time anyway.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import insert, inspect, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.orm.base import NO_VALUE, instance_state

from shared.context import current_actor, current_request_id
from shared.db import READ_ONLY_KEY, new_id, utcnow
from shared.platform import PLATFORM_INFO_KEY, PlatformTables, platform_of

if TYPE_CHECKING:  # shared.event_contract imports this module (Audited, to_jsonable)
    from shared.event_contract import DomainEvent

REDACTED = "[redacted]"
# Bookkeeping columns that change on every write; kept in snapshots, not listed as changes.
_NOISE = frozenset({"updated_at", "version"})
_OUTBOX_LOCK_KEY = 7_311_002  # any constant; one advisory lock per database
_ACTION_KEY = "audit_action"
# `Session.info` key: the transaction that holds the write lock.
_LOCKED_IN_KEY = "shared.changes.write_lock_in"


class Audited:
    """Mixin: writes to this model are audited and published on the change feed.

    `__audit_redact__` names fields whose values are personal data: they appear in audit and
    events as "[redacted]" (that a field changed is recorded, never the value)."""

    __audit_redact__: ClassVar[frozenset[str]] = frozenset()


def set_action(entity: Audited, action: str) -> None:
    """Name the action recorded for this entity's next flush (e.g. `archived`, `transitioned`)
    instead of the generic `updated`."""
    instance_state(entity).info[_ACTION_KEY] = action


def to_jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return None
    return value


def snapshot(entity: Any) -> dict[str, Any]:
    """The entity's column values, JSON-ready, with redacted fields masked."""
    mapper = inspect(entity).mapper
    redact: frozenset[str] = getattr(entity, "__audit_redact__", frozenset())
    state = inspect(entity)
    values: dict[str, Any] = {}
    for column_attr in mapper.column_attrs:
        key = column_attr.key
        loaded = state.dict.get(key, NO_VALUE)
        if loaded is NO_VALUE:
            continue
        values[key] = REDACTED if key in redact and loaded is not None else to_jsonable(loaded)
    return values


def entity_type_of(entity: Any) -> str:
    return str(inspect(entity).mapper.local_table.name)


def _entity_id(entity: Any) -> str:
    # Not `state.identity`: new objects get their identity key only after the flush completes.
    key = inspect(entity).mapper.primary_key_from_instance(entity)
    return ",".join(str(part) for part in key)


def _changed_fields(entity: Any) -> dict[str, dict[str, Any]]:
    state = inspect(entity)
    redact: frozenset[str] = getattr(entity, "__audit_redact__", frozenset())
    changes: dict[str, dict[str, Any]] = {}
    for column_attr in state.mapper.column_attrs:
        key = column_attr.key
        if key in _NOISE:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        before = history.deleted[0] if history.deleted else None
        after = history.added[0] if history.added else None
        if before == after:
            continue
        if key in redact:
            before = REDACTED if before is not None else None
            after = REDACTED if after is not None else None
        changes[key] = {"before": to_jsonable(before), "after": to_jsonable(after)}
    return changes


def _audit_row(
    tables: PlatformTables, *, entity_type: str, entity_id: str, action: str, changes: Any
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "occurred_at": utcnow(),
        "actor": current_actor(),
        "request_id": current_request_id(),
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "changes": changes,
    }


def _event_row(*, type_: str, entity_type: str, entity_id: str, data: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "type": type_,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "occurred_at": utcnow(),
        "actor": current_actor(),
        "request_id": current_request_id(),
        "data": data,
    }


def take_write_lock(session: Session) -> None:
    """Hold the database's write lock for the rest of the session's transaction, asked for once
    per transaction (PostgreSQL only; see the module's "Ordering")."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if session.info.get(_LOCKED_IN_KEY) is transaction:
        return
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _OUTBOX_LOCK_KEY})
    session.info[_LOCKED_IN_KEY] = transaction


def _writes(session: Session) -> bool:
    """A writing session of a service (platform tables in `info`), not a read-only one."""
    return PLATFORM_INFO_KEY in session.info and not session.info.get(READ_ONLY_KEY)


def _before_flush(session: Session, flush_context: UOWTransaction, instances: Any) -> None:
    if _writes(session) and (session.new or session.dirty or session.deleted):
        take_write_lock(session)


def _before_statement(state: ORMExecuteState) -> None:
    # `_for_update_arg` is how a Select (and `Session.get(..., with_for_update=True)`'s) carries
    # FOR UPDATE / FOR SHARE; SQLAlchemy has no public reader for it.
    locks_rows = state.is_select and getattr(state.statement, "_for_update_arg", None) is not None
    if (state.is_insert or state.is_update or state.is_delete or locks_rows) and _writes(
        state.session
    ):
        take_write_lock(state.session)


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    tables = session.info.get(PLATFORM_INFO_KEY)
    if not isinstance(tables, PlatformTables):
        return
    audit_rows: list[dict[str, Any]] = []
    event_rows: list[dict[str, Any]] = []
    groups = (("created", session.new), ("updated", session.dirty), ("deleted", session.deleted))
    for default_action, entities in groups:
        for entity in entities:
            if not isinstance(entity, Audited):
                continue
            if default_action == "updated" and not session.is_modified(
                entity, include_collections=False
            ):
                continue
            changes = (
                {
                    k: {"before": None, "after": v}
                    for k, v in snapshot(entity).items()
                    if k not in _NOISE
                }
                if default_action == "created"
                else _changed_fields(entity)
                if default_action == "updated"
                else {
                    k: {"before": v, "after": None}
                    for k, v in snapshot(entity).items()
                    if k not in _NOISE
                }
            )
            if default_action == "updated" and not changes:
                continue
            action = instance_state(entity).info.pop(_ACTION_KEY, default_action)
            entity_type = entity_type_of(entity)
            entity_id = _entity_id(entity)
            audit_rows.append(
                _audit_row(
                    tables,
                    entity_type=entity_type,
                    entity_id=entity_id,
                    action=action,
                    changes=changes,
                )
            )
            data = snapshot(entity)
            data_with_changes = {"entity": data, "changed": sorted(changes)}
            event_rows.append(
                _event_row(
                    type_=f"{entity_type}.{action}",
                    entity_type=entity_type,
                    entity_id=entity_id,
                    data=data_with_changes,
                )
            )
    if not audit_rows:
        return
    # Already held since `_before_flush`; named here because audit sequence numbers must follow
    # commit order too (the merged audit trail is read by position, like the feed).
    take_write_lock(session)
    connection = session.connection()
    connection.execute(insert(tables.audit), audit_rows)
    connection.execute(insert(tables.outbox), event_rows)


_installed = False


def install_change_capture() -> None:
    """Register the flush hook once per process (it only acts on sessions carrying platform
    tables in `info`, so it is inert for any other session)."""
    global _installed
    if not _installed:
        from sqlalchemy import event

        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _before_statement)
        event.listen(Session, "after_flush", _after_flush)
        _installed = True


async def emit_event(
    session: AsyncSession,
    event: DomainEvent,
    *,
    entity_id: str | uuid.UUID,
    entity_type: str | None = None,
) -> None:
    """Append a domain event (beyond the automatic row-change events) in the current transaction.

    `event` is an instance of a `DomainEvent` declared next to the call (shared.event_contract),
    so its type and payload are in the service's published catalog; `entity_type` defaults to
    the one the event declares and, when it declares several, must be one of them."""
    declared = type(event).entity_types
    entity_type = entity_type or declared[0]
    if entity_type not in declared:
        raise ValueError(f"{event.event_type} is declared for {declared}, not {entity_type!r}")
    tables = platform_of(session)
    await session.run_sync(take_write_lock)
    connection = await session.connection()
    await connection.execute(
        insert(tables.outbox),
        [
            _event_row(
                type_=event.event_type,
                entity_type=entity_type,
                entity_id=str(entity_id),
                data=event.payload(),
            )
        ],
    )


async def record_audit(
    session: AsyncSession,
    *,
    entity_type: str,
    entity_id: str | uuid.UUID,
    action: str,
    changes: Mapping[str, Any],
) -> None:
    """Audit an action that changes no audited row (e.g. a data export or a retention run)."""
    tables = platform_of(session)
    await session.run_sync(take_write_lock)  # audit positions in commit order, as above
    await session.execute(
        insert(tables.audit),
        [
            _audit_row(
                tables,
                entity_type=entity_type,
                entity_id=str(entity_id),
                action=action,
                changes=to_jsonable(changes),
            )
        ],
    )
