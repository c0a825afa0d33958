"""The mechanism tables every service owns in its own database.

A service calls `PlatformTables.define(Base.metadata)` once in its `db.py`, so its alembic
environment sees these tables and its migrations create them (the first one; `job_run` came
later, a revision of its own in each service). The instance travels in
every session's `info` (see `shared.db.Database`), which is how audit, outbox, idempotency,
consumers and periodic jobs find them without globals.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import JSONDocument, UTCDateTime

JSONType = JSONDocument
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants a BIGINT identity.
SequenceType = BigInteger().with_variant(Integer(), "sqlite")

PLATFORM_INFO_KEY = "platform"


@dataclass(frozen=True)
class PlatformTables:
    service: str
    audit: Table
    outbox: Table
    idempotency: Table
    consumer_cursor: Table
    consumed_event: Table
    job_run: Table

    @classmethod
    def define(cls, metadata: MetaData, *, service: str) -> PlatformTables:
        audit = Table(
            "audit_entry",
            metadata,
            Column("seq", SequenceType, primary_key=True, autoincrement=True),
            Column("id", Uuid, nullable=False, unique=True),
            Column("occurred_at", UTCDateTime, nullable=False),
            Column("actor", String(200), nullable=True),
            Column("request_id", String(128), nullable=True),
            Column("entity_type", String(80), nullable=False),
            Column("entity_id", String(64), nullable=False),
            Column("action", String(40), nullable=False),
            Column("changes", JSONType, nullable=False),
            Index("ix_audit_entry_entity", "entity_type", "entity_id", "seq"),
        )
        outbox = Table(
            "outbox_event",
            metadata,
            Column("seq", SequenceType, primary_key=True, autoincrement=True),
            Column("id", Uuid, nullable=False, unique=True),
            Column("type", String(120), nullable=False),
            Column("entity_type", String(80), nullable=False),
            Column("entity_id", String(64), nullable=False),
            Column("occurred_at", UTCDateTime, nullable=False),
            Column("actor", String(200), nullable=True),
            Column("request_id", String(128), nullable=True),
            Column("data", JSONType, nullable=False),
            Index("ix_outbox_event_entity", "entity_type", "entity_id"),
        )
        idempotency = Table(
            "idempotency_key",
            metadata,
            Column("subject", String(200), primary_key=True),
            Column("key", String(200), primary_key=True),
            Column("request_hash", String(64), nullable=False),
            Column("state", String(16), nullable=False),
            Column("status_code", Integer, nullable=True),
            Column("headers", JSONType, nullable=True),
            Column("body", LargeBinary, nullable=True),
            Column("created_at", UTCDateTime, nullable=False, index=True),
            Column("locked_until", UTCDateTime, nullable=False),
        )
        consumer_cursor = Table(
            "consumer_cursor",
            metadata,
            Column("producer", String(80), primary_key=True),
            Column("position", BigInteger, nullable=False),
            Column("updated_at", UTCDateTime, nullable=False),
        )
        consumed_event = Table(
            "consumed_event",
            metadata,
            Column("producer", String(80), primary_key=True),
            Column("event_id", Uuid, primary_key=True),
            Column("consumed_at", UTCDateTime, nullable=False),
            Column("outcome", Text, nullable=True),
        )
        # One row per periodic job: its runs are claimed here, once per interval across the
        # service's replicas (`shared.coordination.JobRuns`).
        job_run = Table(
            "job_run",
            metadata,
            Column("name", String(80), primary_key=True),
            Column("holder", String(200), nullable=True),
            Column("runs", BigInteger, nullable=False),
            Column("last_started_at", UTCDateTime, nullable=True),
            Column("last_finished_at", UTCDateTime, nullable=True),
            Column("last_outcome", String(16), nullable=True),
        )
        return cls(service, audit, outbox, idempotency, consumer_cursor, consumed_event, job_run)


def platform_of(session: AsyncSession) -> PlatformTables:
    tables = session.info.get(PLATFORM_INFO_KEY)
    if not isinstance(tables, PlatformTables):
        raise RuntimeError(
            "This session was not made by the service's Database (no platform tables)."
        )
    return tables
