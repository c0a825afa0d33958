"""The row sources: one streamed Core select for live rows (filters as a subquery on
`project`, `updated_since` on indexed `updated_at` columns), or the outbox's row snapshots for
`as_of`; both feed the same `to_row`, so the two modes give identical columns."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from projects_service.exports import values
from projects_service.exports.scope import Query, historic, project_matches, projects_as_of
from shared.exports.catalog import ExportContext, Row, Tombstone
from shared.exports.history import deleted_since, states_as_of, stream_mappings

# Rows are fetched from the database in batches of this many.
BATCH = 2000

# A live row's mapping or a history snapshot, keyed by column name.
Record = Mapping[Any, Any]
ToRow = Callable[[Record], Row]


@dataclass(frozen=True)
class Parent:
    """Columns a dataset takes from its parent row (a benefit value's benefit, a rating's
    journal entry). In history mode they come from the parent's state at `as_of`, indexed in
    memory first (one small tuple per parent; parents are far fewer than their rows)."""

    entity_type: str
    # The child record's column naming its parent.
    key: str
    # Flat record key -> the parent snapshot's column.
    fields: Mapping[str, str]
    # Whether a change of the parent changes the dataset's rows (a mutable parent column is
    # copied into them), so `updated_since` must also look at the parent's `updated_at`.
    changes_rows: bool = False


@dataclass(frozen=True)
class AuditedSource:
    """A dataset over one `Audited` table (history in the outbox, deletions as tombstones)."""

    entity_type: str
    statement: Callable[[ExportContext], Query]
    to_row: ToRow
    parent: Parent | None = None
    project_key: str = "project_id"

    async def __call__(self, ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
        if historic(ctx):
            async for row in self._history(ctx):
                yield row
        else:
            async for live in stream_mappings(ctx, self.statement(ctx), fetch=BATCH):
                yield self.to_row(live)
        if ctx.updated_since is not None:
            # A deleted row's project is unknown from its id, so tombstones ignore the
            # project filters: deleting a key the target never had is a no-op for a loader.
            async for entity_id in deleted_since(ctx, self.entity_type):
                yield Tombstone((uuid.UUID(entity_id),))

    async def _history(self, ctx: ExportContext) -> AsyncIterator[Row]:
        projects = await projects_as_of(ctx)
        parents = await self._parents(ctx) if self.parent is not None else None
        since = ctx.updated_since
        async for state in states_as_of(ctx, self.entity_type):
            record: dict[str, Any] = dict(state)
            changed_at = values.moment(record.get("updated_at"))
            if self.parent is not None and parents is not None:
                found = parents.get(str(record.get(self.parent.key)))
                for index, name in enumerate(self.parent.fields):
                    record[name] = None if found is None else found[index]
                if self.parent.changes_rows and found is not None:
                    parent_changed = values.moment(found[-1])
                    if parent_changed is not None and (
                        changed_at is None or parent_changed > changed_at
                    ):
                        changed_at = parent_changed
            if projects is not None and str(record.get(self.project_key)) not in projects:
                continue
            if since is not None and (changed_at is None or changed_at <= since):
                continue
            yield self.to_row(record)

    async def _parents(self, ctx: ExportContext) -> dict[str, tuple[Any, ...]]:
        assert self.parent is not None
        columns = (*self.parent.fields.values(), "updated_at")
        return {
            str(state["id"]): tuple(state.get(column) for column in columns)
            async for state in states_as_of(ctx, self.parent.entity_type)
        }


class ProjectSource(AuditedSource):
    """The projects themselves: in history mode the filters match each snapshot directly."""

    async def _history(self, ctx: ExportContext) -> AsyncIterator[Row]:
        since = ctx.updated_since
        async for state in states_as_of(ctx, self.entity_type):
            if not project_matches(state, ctx):
                continue
            changed_at = values.moment(state.get("updated_at"))
            if since is not None and (changed_at is None or changed_at <= since):
                continue
            yield self.to_row(state)
