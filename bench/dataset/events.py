"""The audit trail and change feed of a bulk load, in the shape the flush hook writes them.

`shared.changes` records one `audit_entry` and one `outbox_event` per row written through the
ORM; going through that hook for a million rows would take hours, so the generator logs the
same rows here (snapshot with redacted fields masked, changed fields before/after, the action
name) and inserts them in bulk, oldest first, so feed positions follow time as they do live.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import DeclarativeBase

from bench.dataset.common import uuid7_at
from shared.changes import REDACTED, to_jsonable

# Bookkeeping columns kept in snapshots but never listed as changes (as in shared.changes).
_NOISE = frozenset({"updated_at", "version"})


@dataclass(slots=True)
class _Entry:
    at: dt.datetime
    order: int
    type: str
    entity_type: str
    entity_id: str
    action: str | None  # None: a domain event, on the feed only
    actor: str | None
    request_id: str
    data: Any
    changes: Any


def _mask(values: Mapping[str, Any], redact: Collection[str]) -> dict[str, Any]:
    return {
        key: REDACTED if key in redact and value is not None else to_jsonable(value)
        for key, value in values.items()
    }


class EventLog:
    """Audit entries and outbox events of one service, collected then written oldest first."""

    def __init__(self, rng: random.Random, base: type[DeclarativeBase]) -> None:
        self._rng = rng
        # Each audited table's personal fields, as its model declares them (`__audit_redact__`).
        self._redact: dict[str, frozenset[str]] = {
            str(getattr(mapper.local_table, "name", "")): getattr(
                mapper.class_, "__audit_redact__", frozenset()
            )
            for mapper in base.registry.mappers
        }
        self._entries: list[_Entry] = []
        self._ids: list[uuid.UUID] = []

    def __len__(self) -> int:
        return len(self._entries)

    def request(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def created(
        self,
        table: str,
        row: Mapping[str, Any],
        *,
        at: dt.datetime,
        actor: str | None,
        request_id: str | None = None,
    ) -> None:
        redact = self._redact[table]
        snapshot = _mask(row, redact)
        changes = {k: {"before": None, "after": v} for k, v in snapshot.items() if k not in _NOISE}
        self._add(table, str(row["id"]), "created", snapshot, changes, at, actor, request_id)

    def updated(
        self,
        table: str,
        state: Mapping[str, Any],
        changed: Mapping[str, tuple[Any, Any]],
        *,
        at: dt.datetime,
        actor: str | None,
        action: str = "updated",
        request_id: str | None = None,
    ) -> None:
        """`state`: the row as it stands after this change; `changed`: field -> (before, after)."""
        redact = self._redact[table]
        changes = {
            key: {
                "before": REDACTED if key in redact and b is not None else to_jsonable(b),
                "after": REDACTED if key in redact and a is not None else to_jsonable(a),
            }
            for key, (b, a) in changed.items()
            if key not in _NOISE
        }
        snapshot = _mask(state, redact)
        self._add(table, str(state["id"]), action, snapshot, changes, at, actor, request_id)

    def domain(
        self,
        type_: str,
        *,
        entity_type: str,
        entity_id: Any,
        data: Mapping[str, Any],
        at: dt.datetime,
        actor: str | None,
        request_id: str | None = None,
    ) -> dt.datetime:
        """A domain event (`emit_event`): on the feed, not in the audit trail."""
        self._entries.append(
            _Entry(
                at,
                len(self._entries),
                type_,
                entity_type,
                str(entity_id),
                None,
                actor,
                request_id or self.request(),
                to_jsonable(data),
                None,
            )
        )
        return at

    def _add(
        self,
        table: str,
        entity_id: str,
        action: str,
        snapshot: dict[str, Any],
        changes: dict[str, Any],
        at: dt.datetime,
        actor: str | None,
        request_id: str | None,
    ) -> None:
        data = {"entity": snapshot, "changed": sorted(changes)}
        self._entries.append(
            _Entry(
                at,
                len(self._entries),
                f"{table}.{action}",
                table,
                entity_id,
                action,
                actor,
                request_id or self.request(),
                data,
                changes,
            )
        )

    def sort(self) -> None:
        """Oldest first, and fix each event's id (UUIDv7 of its time), before writing."""
        self._entries.sort(key=lambda entry: (entry.at, entry.order))
        rng = random.Random(self._rng.random())
        self._ids = [uuid7_at(entry.at, rng) for entry in self._entries]

    def outbox_rows(self) -> Iterator[dict[str, Any]]:
        """Feed rows, oldest first (call `sort` first)."""
        for entry, event_id in zip(self._entries, self._ids, strict=True):
            yield {
                "id": event_id,
                "type": entry.type,
                "entity_type": entry.entity_type,
                "entity_id": entry.entity_id,
                "occurred_at": entry.at,
                "actor": entry.actor,
                "request_id": entry.request_id,
                "data": entry.data,
            }

    def audit_rows(self) -> Iterator[dict[str, Any]]:
        rng = random.Random(self._rng.random())
        for entry in self._entries:
            if entry.action is None:
                continue
            yield {
                "id": uuid7_at(entry.at, rng),
                "occurred_at": entry.at,
                "actor": entry.actor,
                "request_id": entry.request_id,
                "entity_type": entry.entity_type,
                "entity_id": entry.entity_id,
                "action": entry.action,
                "changes": entry.changes,
            }

    def events_of(self, type_: str) -> dict[str, uuid.UUID]:
        """The event id of each event of `type_`, by entity id (after `sort`)."""
        return {
            e.entity_id: event_id
            for e, event_id in zip(self._entries, self._ids, strict=True)
            if e.type == type_
        }
