"""`as_of` and `updated_since` from the history every service already keeps: the outbox.

Every insert, update and delete of an `Audited` model writes an `outbox_event` in the same
transaction, carrying the row's full snapshot in `data.entity` (`shared.changes`); the outbox
is never pruned. So the state of a table at any past moment is, per row, the snapshot of its
last row-change event at or before that moment, unless that event is its deletion. Domain
events (`emit_event`) share the table but carry no `data.entity` and are skipped.

Snapshot values are JSON-ified (`shared.changes.to_jsonable`: ISO strings with `Z`, UUID and
decimal strings, enum values); redacted fields hold "[redacted]" and must not be exported.
All reads run on the export's connection, inside its one read transaction, streamed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import RowMapping

from shared.exports.catalog import ExportContext

# Rows fetched per round trip of a streamed read (server-side cursor on PostgreSQL).
FETCH_ROWS = 1000


def _has_snapshot(outbox: Table, dialect: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        has_key: ColumnElement[bool] = type_coerce(outbox.c.data, JSONB).has_key("entity")
        return has_key
    # SQLite: `json_type` is NULL for a missing key (`->` would give the text 'null').
    return func.json_type(outbox.c.data, "$.entity").is_not(None)


def _deleted_type(entity_type: str) -> str:
    return f"{entity_type}.deleted"


async def stream_mappings(
    ctx: ExportContext, statement: Select[Any], *, fetch: int = FETCH_ROWS
) -> AsyncIterator[RowMapping]:
    """The rows of `statement` as mappings, fetched `fetch` at a time on the export's
    connection: never the whole result in memory, no ORM object per row."""
    result = await ctx.connection.stream(statement.execution_options(yield_per=fetch))
    try:
        # The size, explicitly: without it a result follows `yield_per` only if the statement
        # carries the option (a `text()` given as is came back as one partition of everything).
        async for partition in result.mappings().partitions(fetch):
            for row in partition:
                yield row
    finally:
        await result.close()


def _last_events(
    ctx: ExportContext, entity_type: str, *, after: dt.datetime | None, until: dt.datetime
) -> Select[Any]:
    """Per entity, its last row-change event in (after, until], in entity id order."""
    outbox = ctx.platform.outbox
    dialect = ctx.connection.dialect.name
    window = [
        outbox.c.entity_type == entity_type,
        outbox.c.occurred_at <= until,
        _has_snapshot(outbox, dialect),
    ]
    if after is not None:
        window.append(outbox.c.occurred_at > after)
    last = select(func.max(outbox.c.seq)).where(*window).group_by(outbox.c.entity_id)
    return (
        select(outbox.c.entity_id, outbox.c.type, outbox.c.data)
        .where(outbox.c.seq.in_(last.scalar_subquery()))
        .order_by(outbox.c.entity_id)
    )


async def states_as_of(ctx: ExportContext, entity_type: str) -> AsyncIterator[dict[str, Any]]:
    """The snapshot of every row of table `entity_type` alive at `ctx.as_of` (or the export's
    snapshot moment), in entity id order."""
    moment = ctx.moment
    deleted = _deleted_type(entity_type)
    async for row in stream_mappings(ctx, _last_events(ctx, entity_type, after=None, until=moment)):
        if row["type"] != deleted:
            yield dict(row["data"]["entity"])


async def states_changed_since(
    ctx: ExportContext, entity_type: str
) -> AsyncIterator[dict[str, Any]]:
    """The latest snapshot of every row of `entity_type` changed (created, updated, archived...)
    in (`ctx.updated_since`, as_of or snapshot], not deleted at its end, in entity id order:
    for tables without an indexed `updated_at`."""
    if ctx.updated_since is None:
        raise ValueError("states_changed_since needs ctx.updated_since")
    moment = ctx.moment
    deleted = _deleted_type(entity_type)
    statement = _last_events(ctx, entity_type, after=ctx.updated_since, until=moment)
    async for row in stream_mappings(ctx, statement):
        if row["type"] != deleted:
            yield dict(row["data"]["entity"])


async def deleted_since(ctx: ExportContext, entity_type: str) -> AsyncIterator[str]:
    """Ids (`str(primary key)`, parts joined by `,`) of rows of `entity_type` whose deletion
    falls in (`ctx.updated_since`, as_of or snapshot], in id order: the tombstones."""
    if ctx.updated_since is None:
        raise ValueError("deleted_since needs ctx.updated_since")
    outbox = ctx.platform.outbox
    moment = ctx.moment
    statement = (
        select(outbox.c.entity_id)
        .where(
            outbox.c.entity_type == entity_type,
            outbox.c.type == _deleted_type(entity_type),
            outbox.c.occurred_at > ctx.updated_since,
            outbox.c.occurred_at <= moment,
        )
        .group_by(outbox.c.entity_id)
        .order_by(outbox.c.entity_id)
    )
    async for row in stream_mappings(ctx, statement):
        yield str(row["entity_id"])


def snapshot_value(snapshot: Mapping[str, Any], key: str) -> Any:
    """A snapshot field, refusing a redacted one: an export must never publish "[redacted]"."""
    value = snapshot.get(key)
    if value == "[redacted]":
        raise ValueError(f"`{key}` is redacted in history; it cannot be exported as of a moment")
    return value
