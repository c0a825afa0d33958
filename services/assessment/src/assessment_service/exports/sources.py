"""The row sources: a streamed Core select for live rows (filters in SQL, `updated_since` on
indexed `updated_at` columns), or the outbox's row snapshots for `as_of`; both feed the same
`to_row`, so the two modes give identical columns. Deletions come from the outbox as tombstones
(this service deletes no row through its API; a retention job or an operator may)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from assessment_service.evaluation.models import DevelopmentalEvaluation
from assessment_service.exports import values
from shared.exports.catalog import ExportContext, Row, Tombstone
from shared.exports.history import deleted_since, states_as_of
from shared.id_sets import in_id_set

# Rows are fetched from the database in batches of this many.
BATCH = 2000

Record = Mapping[str, Any]
ToRow = Callable[[Record], Row]


def historic(ctx: ExportContext) -> bool:
    """True when the caller asked for `as_of`: rows then come from history, not the tables."""
    return ctx.as_of is not None and ctx.as_of != ctx.snapshot_at


def wanted_projects(ctx: ExportContext) -> frozenset[str] | None:
    """The projects the export is limited to: `project_id` values and whatever `directorate` /
    `stage` resolved to (both: their intersection); None when nothing limits it."""
    wanted: frozenset[str] | None = None
    asked = ctx.filters.get("project_id")
    if asked:
        wanted = frozenset(str(uuid.UUID(value)) for value in asked)
    if ctx.project_ids is not None:
        resolved = frozenset(str(uuid.UUID(value)) for value in ctx.project_ids)
        wanted = resolved if wanted is None else wanted & resolved
    return wanted


def project_condition(column: Any, ctx: ExportContext) -> ColumnElement[bool] | None:
    """`column` is one of the wanted projects, bound as ONE parameter (`shared.id_sets`): a
    directorate/stage filter may resolve to up to 20,000 projects (never an id list, #16)."""
    wanted = wanted_projects(ctx)
    if wanted is None:
        return None
    ids = sorted(uuid.UUID(value) for value in wanted)
    return in_id_set(column, ids, dialect=ctx.connection.dialect.name, name="export_projects")


async def stream(ctx: ExportContext, statement: Select[Any]) -> AsyncIterator[Record]:
    result = await ctx.connection.stream(statement.execution_options(yield_per=BATCH))
    async for row in result:
        yield row._mapping


async def evaluation_projects(ctx: ExportContext) -> dict[str, str]:
    """Evaluation id -> project id (one small pair per evaluation; an evaluation's project
    never changes), to give history snapshots of evaluation records their project."""
    table = DevelopmentalEvaluation.__table__
    result = await ctx.connection.execute(select(table.c.id, table.c.project_id))
    return {str(row.id): str(row.project_id) for row in result}


@dataclass(frozen=True)
class AuditedSource:
    """A dataset over one `Audited` table with a `project_id` (its own or its evaluation's):
    live rows, or its states at `as_of` from the outbox; `updated_since` keeps the rows whose
    `updated_at` is later, and adds a tombstone for each deletion in the window."""

    entity_type: str
    # The live statement, already filtered (projects, `updated_since`) and ordered.
    statement: Callable[[ExportContext], Select[Any]]
    to_row: ToRow
    # History mode: adds `project_id` to a snapshot that has none (evaluation records).
    projects: Callable[[ExportContext], Awaitable[dict[str, str]]] | None = None

    async def __call__(self, ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
        if historic(ctx):
            async for row in self._history(ctx):
                yield row
        else:
            async for record in stream(ctx, self.statement(ctx)):
                yield self.to_row(record)
        if ctx.updated_since is not None:
            # A deleted row's project is not known from its id, so a project-filtered export
            # gets every deletion: deleting an id a load never had is harmless.
            async for entity_id in deleted_since(ctx, self.entity_type):
                yield Tombstone((entity_id,))

    async def _history(self, ctx: ExportContext) -> AsyncIterator[Row]:
        wanted = wanted_projects(ctx)
        projects = await self.projects(ctx) if self.projects is not None else None
        since = ctx.updated_since
        async for state in states_as_of(ctx, self.entity_type):
            record: Mapping[str, Any] = state
            if projects is not None:
                record = {**state, "project_id": projects.get(str(state.get("evaluation_id")))}
            if wanted is not None and str(record.get("project_id")) not in wanted:
                continue
            if since is not None:
                changed = values.moment(record.get("updated_at"))
                if changed is None or changed <= since:
                    continue
            yield self.to_row(record)
