"""The one way every row dataset of this service streams: live rows, or history snapshots for
`as_of`, narrowed to the changed ones and followed by tombstones for `updated_since`.

Live rows are Core `select()`s of the table (`row._mapping`), history rows are the outbox
snapshots (`shared.exports.history`); each dataset's `to_row` reads both alike, so a live
export and an `as_of` export of the same moment give the same rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Table

from shared.exports.catalog import ExportContext, Row, Tombstone
from shared.exports.history import deleted_since, states_as_of, stream_mappings
from shared.exports.values import as_datetime
from shared.id_sets import in_id_set

Record = Mapping[Any, Any]
# For `as_of`: given the context, a predicate on a snapshot (is it in the export's scope?).
SnapshotScope = Callable[[ExportContext], Awaitable[Callable[[Record], bool]]]


def scope_ids(ctx: ExportContext) -> set[uuid.UUID] | None:
    """The project ids the export is limited to (None: every project)."""
    if ctx.project_ids is None:
        return None
    return {uuid.UUID(value) for value in ctx.project_ids}


def in_scope(ctx: ExportContext, column: Any) -> ColumnElement[bool]:
    """`column` (a project id) is one of the export's projects: one bound parameter however
    many projects the filters resolved to (never an id list)."""
    ids = scope_ids(ctx) or set()
    return in_id_set(column, ids, dialect=ctx.connection.dialect.name, name="export_projects")


def words(values: Any) -> str:
    """A JSON list of codes as one space-separated cell (flat tables hold no lists)."""
    return " ".join(str(value) for value in values or ())


def changed_since(record: Record, since: dt.datetime) -> bool:
    updated = as_datetime(record.get("updated_at"))
    return updated is not None and updated > since


@dataclass(frozen=True)
class TableSource:
    """How one row dataset reads its table: the live statement (scope applied, in id order),
    the snapshot scope for `as_of`, and its `to_row`."""

    table: Table
    to_row: Callable[[Record], Row]
    live: Callable[[ExportContext], Select[Any]]
    snapshot_scope: SnapshotScope | None = None
    # Live incremental mode: the rows changed since (default: the table's `updated_at`).
    changed: Callable[[ExportContext, dt.datetime], ColumnElement[bool]] | None = None
    # As-of incremental mode: a snapshot changed since (default: its `updated_at`).
    snapshot_changed: Callable[[Record, dt.datetime], bool] = changed_since

    async def rows(self, ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
        since = ctx.updated_since
        if ctx.as_of is not None:
            keep = await self.snapshot_scope(ctx) if self.snapshot_scope else None
            async for snapshot in states_as_of(ctx, self.table.name):
                if keep is not None and not keep(snapshot):
                    continue
                if since is not None and not self.snapshot_changed(snapshot, since):
                    continue
                yield self.to_row(snapshot)
        else:
            statement = self.live(ctx)
            if since is not None:
                where = (
                    self.changed(ctx, since)
                    if self.changed is not None
                    else self.table.c.updated_at > since
                )
                statement = statement.where(where)
            async for record in stream_mappings(ctx, statement):
                yield self.to_row(record)
        if since is not None:
            # A deleted row's scope is unknown (it is gone): a filtered incremental load gets
            # every deletion of the table; deleting an id it never held is harmless.
            async for key in deleted_since(ctx, self.table.name):
                yield Tombstone(key=(key,))
