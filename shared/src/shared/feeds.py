"""Read side of the audit trail and the outbox: `GET /v1/audit`, `GET /v1/audit/trail`,
`GET /v1/events` and `GET /v1/events/schemas` (the service's event catalog, shared.event_contract).

All are mounted by the app factory on every service, so they are the same everywhere.
`/v1/audit/trail` is the audit trail in the change feed's shape (oldest first, `after` a
position), which is what the gateway merges into `/api/v1/audit` with the feed's mechanism.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, Role, require_roles
from shared.db import SessionDep
from shared.event_contract import EventKind, event_catalog
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PaginationDep
from shared.platform import PlatformTables, platform_of
from shared.problems import FieldError, InvalidInput, problem_responses
from shared.types import UtcDateTime

# How every event type is spelled, `<entity>.<action>` (`project.created`,
# `decision.recorded`): a filter value of another shape can match nothing, so it is a 422.
EventType = Annotated[
    str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$", max_length=100)
]


class AuditEntryRead(BaseModel):
    id: uuid.UUID
    occurred_at: dt.datetime
    actor: str | None
    request_id: str | None
    entity_type: str
    entity_id: str
    action: str
    changes: dict[str, Any] = Field(description="Changed fields: `{field: {before, after}}`.")


class AuditTrailEntry(AuditEntryRead):
    position: str = Field(description="Trail position of this entry; pass as `after` to resume.")
    source: str = Field(description="The service whose trail holds the entry.")


class AuditTrail(BaseModel):
    items: list[AuditTrailEntry]
    next_cursor: str = Field(description="Where to resume: pass it as `after` on the next read.")
    has_more: bool = Field(description="True when more entries are ready now.")


class EventRead(BaseModel):
    id: uuid.UUID = Field(description="Unique event id: consumers de-duplicate on it.")
    position: str = Field(description="Feed position of this event; pass as `after` to resume.")
    source: str
    type: str = Field(
        description="`<entity>.<action>`, e.g. `project.created`, `decision.recorded`."
    )
    entity_type: str
    entity_id: str
    occurred_at: dt.datetime
    actor: str | None
    request_id: str | None
    data: dict[str, Any]


class EventFeed(BaseModel):
    items: list[EventRead]
    next_cursor: str = Field(description="Where to resume: pass it as `after` on the next poll.")
    has_more: bool = Field(description="True when more events are ready now.")


class EventTypeRead(BaseModel):
    type: str = Field(description="The event type, as `type` on the feed and in webhooks.")
    kinds: list[EventKind] = Field(
        description="`row_change` (the row's snapshot) and/or `domain` (a declared payload)."
    )
    entity_types: list[str] = Field(description="The `entity_type` values it is filed under.")
    description: str
    schema_ref: str = Field(description="Its feed event's schema, a pointer into `json_schema`.")


class EventCatalogRead(BaseModel):
    service: str
    json_schema_dialect: str = Field(description="The JSON Schema dialect of `json_schema`.")
    event_types: list[EventTypeRead]
    json_schema: dict[str, Any] = Field(
        description=(
            "One JSON Schema (2020-12) for this service's feed events: `$defs/event.<type>` is"
            " each type's envelope, its `data` referring to the payload's definition."
        )
    )


# Feed positions are outbox sequence numbers: a 64-bit signed integer (BIGINT) on PostgreSQL.
MAX_POSITION = 2**63 - 1

EventReader = Annotated[Principal, Depends(require_roles(Role.service, Role.reporter))]
AuditReader = Annotated[Principal, Depends(require_roles(Role.governance))]


def _parse_position(raw: str | None, name: str) -> int:
    if raw is None or raw == "":
        return 0
    # ASCII digits only: `str.isdigit` also takes superscripts such as "²", which `int` refuses.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_POSITION:
        raise InvalidInput(
            "Use a cursor this feed returned.",
            errors=[
                FieldError(pointer=f"/{name}", location="query", detail="Not a feed position.")
            ],
        )
    return int(raw)


def _event(row: Any, source: str) -> EventRead:
    return EventRead(
        id=row.id,
        position=str(row.seq),
        source=source,
        type=row.type,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        occurred_at=row.occurred_at,
        actor=row.actor,
        request_id=row.request_id,
        data=row.data,
    )


async def read_events(
    session: AsyncSession, *, after: int, limit: int, types: list[str] | None = None
) -> EventFeed:
    tables = platform_of(session)
    outbox: Table = tables.outbox
    # Read the high-water mark first: every event up to it is committed (sequence numbers are
    # assigned in commit order, see shared.changes), so a filtered reader may skip to it without
    # missing an event that commits between our two statements.
    high_water = int(await session.scalar(select(func.max(outbox.c.seq))) or 0)
    statement = (
        select(outbox)
        .where(outbox.c.seq > after, outbox.c.seq <= high_water)
        .order_by(outbox.c.seq)
        .limit(limit + 1)
    )
    if types:
        statement = statement.where(outbox.c.type.in_(types))
    rows = (await session.execute(statement)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    position = rows[-1].seq if has_more else max(high_water, after)
    return EventFeed(
        items=[_event(r, tables.service) for r in rows],
        next_cursor=str(position),
        has_more=has_more,
    )


def _audit_filters(
    audit: Table,
    *,
    entity_type: str | None,
    entity_id: str | None,
    actor: str | None,
    action: str | None,
    from_: dt.datetime | None,
    to: dt.datetime | None,
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column, value in (
        (audit.c.entity_type, entity_type),
        (audit.c.entity_id, entity_id),
        (audit.c.actor, actor),
        (audit.c.action, action),
    ):
        if value is not None:
            conditions.append(column == value)
    if from_ is not None:
        conditions.append(audit.c.occurred_at >= from_)
    if to is not None:
        conditions.append(audit.c.occurred_at < to)
    return conditions


async def read_audit_trail(
    session: AsyncSession, *, after: int, limit: int, conditions: list[ColumnElement[bool]]
) -> AuditTrail:
    """Audit entries after `after`, oldest first, as `read_events` reads the outbox."""
    tables = platform_of(session)
    audit: Table = tables.audit
    # As in `read_events`: a filtered reader skips to the high-water mark read first.
    high_water = int(await session.scalar(select(func.max(audit.c.seq))) or 0)
    statement = (
        select(audit)
        .where(audit.c.seq > after, audit.c.seq <= high_water, *conditions)
        .order_by(audit.c.seq)
        .limit(limit + 1)
    )
    rows = (await session.execute(statement)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    position = rows[-1].seq if has_more else max(high_water, after)
    return AuditTrail(
        items=[
            AuditTrailEntry(
                id=row.id,
                position=str(row.seq),
                source=tables.service,
                occurred_at=row.occurred_at,
                actor=row.actor,
                request_id=row.request_id,
                entity_type=row.entity_type,
                entity_id=row.entity_id,
                action=row.action,
                changes=row.changes,
            )
            for row in rows
        ],
        next_cursor=str(position),
        has_more=has_more,
    )


FromQuery = Annotated[
    UtcDateTime | None,
    Query(alias="from", description="Only entries written at or after this instant."),
]
ToQuery = Annotated[
    UtcDateTime | None, Query(description="Only entries written before this instant.")
]


def feeds_router() -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["platform"])

    @router.get("/events", responses=problem_responses(401, 403, 422), operation_id="list_events")
    async def list_events(
        session: SessionDep,
        _: EventReader,
        after: Annotated[
            str | None, Query(description="Feed position to read after (empty: start).")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        type: Annotated[
            list[EventType] | None, Query(description="Only these event types.")
        ] = None,
    ) -> EventFeed:
        """The change feed: every write as an event, in commit order, at least once."""
        return await read_events(
            session, after=_parse_position(after, "after"), limit=limit, types=type
        )

    @router.get(
        "/events/schemas",
        responses=problem_responses(401, 403, 422),
        operation_id="get_event_schemas",
    )
    async def get_event_schemas(request: Request) -> EventCatalogRead:
        """Every event type this service publishes, with the JSON Schema of its feed event and
        payload, built from the code that emits them (any role; it describes no data)."""
        state = request.app.state
        catalog: EventCatalogRead | None = getattr(state, "event_catalog", None)
        if catalog is None:  # built once, after every emitting module has been imported
            catalog = EventCatalogRead.model_validate(event_catalog(state.platform).document())
            state.event_catalog = catalog
        return catalog

    @router.get(
        "/audit", responses=problem_responses(401, 403, 422), operation_id="list_audit_entries"
    )
    async def list_audit_entries(
        session: SessionDep,
        _: AuditReader,
        pagination: PaginationDep,
        entity_type: str | None = None,
        entity_id: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: UtcDateTime | None = None,
        from_: FromQuery = None,
        to: ToQuery = None,
    ) -> Page[AuditEntryRead]:
        """Who changed what, when, and what it was before (newest first)."""
        audit = platform_of(session).audit
        statement = select(audit).where(
            *_audit_filters(
                audit,
                entity_type=entity_type,
                entity_id=entity_id,
                actor=actor,
                action=action,
                from_=from_,
                to=to,
            )
        )
        if since is not None:
            statement = statement.where(audit.c.occurred_at >= since)
        rows = await pagination.rows(
            session,
            statement,
            id_column=audit.c.seq,
            # An audit entry never changes: it "changed" when it was written.
            updated_column=audit.c.occurred_at,
            scalars=False,
            newest_first=True,
        )
        return rows.as_page(AuditEntryRead)

    @router.get(
        "/audit/trail",
        responses=problem_responses(401, 403, 422),
        operation_id="list_audit_trail",
    )
    async def list_audit_trail(
        session: SessionDep,
        _: AuditReader,
        after: Annotated[
            str | None, Query(description="Trail position to read after (empty: start).")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        entity_type: str | None = None,
        entity_id: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        from_: FromQuery = None,
        to: ToQuery = None,
    ) -> AuditTrail:
        """The audit trail oldest first, resumable with `after` (the shape of the change feed,
        so the gateway merges every service's trail into `/api/v1/audit`)."""
        audit = platform_of(session).audit
        return await read_audit_trail(
            session,
            after=_parse_position(after, "after"),
            limit=limit,
            conditions=_audit_filters(
                audit,
                entity_type=entity_type,
                entity_id=entity_id,
                actor=actor,
                action=action,
                from_=from_,
                to=to,
            ),
        )

    return router


__all__ = [
    "MAX_POSITION",
    "AuditTrail",
    "AuditTrailEntry",
    "EventCatalogRead",
    "EventFeed",
    "EventRead",
    "EventType",
    "EventTypeRead",
    "PlatformTables",
    "feeds_router",
    "read_audit_trail",
    "read_events",
]
