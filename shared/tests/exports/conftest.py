"""The exports engine's tests run against a throwaway service defined here: one audited table,
one dataset over it served live, `as_of` (from the outbox) and `updated_since` (an indexed
`updated_at`, tombstones from the outbox), and a second dataset refusing both."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import decimal
import enum
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from sqlalchemy import Boolean, Date, Index, Numeric, Select, String, Table, Uuid, delete, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.app import add_outer_middleware, create_process_app, include_flat
from shared.auth import Principal, Role, get_principal
from shared.changes import Audited, install_change_capture
from shared.db import Database, IdMixin, TimestampMixin, enum_column, new_metadata
from shared.exports import (
    PROJECT_FILTERS,
    Column,
    ColumnType,
    Dataset,
    ExportContext,
    Row,
    Support,
    Tombstone,
    exports_router,
    history,
    stream_mappings,
)
from shared.platform import PLATFORM_INFO_KEY, PlatformTables
from shared.settings import BaseProcessSettings
from shared.testing import TokenFactory, api_client, empty_database


class Base(DeclarativeBase):
    metadata = new_metadata()


PLATFORM = PlatformTables.define(Base.metadata, service="probe")


class Kind(enum.StrEnum):
    plain = "plain"
    special = "special"


class Item(IdMixin, TimestampMixin, Audited, Base):
    __tablename__ = "export_item"
    __table_args__ = (Index("ix_export_item_updated_at", "updated_at"),)
    project_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, "export_item_kind"), default=Kind.plain)
    amount: Mapped[decimal.Decimal | None] = mapped_column(Numeric(12, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    due: Mapped[dt.date | None] = mapped_column(Date)
    directorate: Mapped[str | None] = mapped_column(String(120))
    stage: Mapped[str] = mapped_column(String(40), default="idea")


ITEM: Table = Item.__table__  # type: ignore[assignment]  # a declarative model's table is a Table
COLUMNS = (
    Column("id", ColumnType.STRING, "The item's id.", format="uuid", required=True),
    Column("project_id", ColumnType.STRING, "Its project.", format="uuid", required=True),
    Column("title", ColumnType.STRING, "Free text typed by a user.", required=True),
    Column("kind", ColumnType.STRING, "Its kind.", enum=tuple(Kind), required=True),
    Column("amount", ColumnType.NUMBER, "An amount of money."),
    Column("active", ColumnType.BOOLEAN, "Still active.", required=True),
    Column("due", ColumnType.DATE, "When it is due."),
    Column("updated_at", ColumnType.DATETIME, "Last change.", required=True),
)


def to_row(record: Mapping[Any, Any]) -> Row:
    # `.get`: a snapshot leaves out a column never set (None) since its insert.
    return tuple(record.get(column.name) for column in COLUMNS)


def _wanted(ctx: ExportContext, record: Mapping[Any, Any]) -> bool:
    """The filters, on a live row or a snapshot (both spell values as text once str()-ed)."""
    if ctx.project_ids is not None and str(record["project_id"]) not in ctx.project_ids:
        return False
    if "directorate" in ctx.filters and record["directorate"] not in ctx.filters["directorate"]:
        return False
    return "stage" not in ctx.filters or str(record["stage"]) in ctx.filters["stage"]


# What a test wants of the source (`fail_after` / `stall_after` a row count, with `stalled` and
# `release` events; `fetch`: rows per fetch) and what it saw (`yielded`, `scope_calls`).
HOOKS: dict[str, Any] = {}


async def item_rows(ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
    HOOKS["extras"] = dict(ctx.extras)
    if ctx.as_of is not None and ctx.updated_since is None:
        async for state in history.states_as_of(ctx, "export_item"):
            if _wanted(ctx, state):
                yield to_row(state)
        return
    if ctx.as_of is not None:
        async for state in history.states_changed_since(ctx, "export_item"):
            if _wanted(ctx, state):
                yield to_row(state)
    else:
        statement = select(ITEM).order_by(ITEM.c.id)
        if ctx.updated_since is not None:
            statement = statement.where(ITEM.c.updated_at > ctx.updated_since)
        if ctx.project_ids is not None:
            statement = statement.where(
                ITEM.c.project_id.in_([uuid.UUID(value) for value in ctx.project_ids])
            )
        count = 0
        async for record in stream_mappings(ctx, statement, fetch=HOOKS.get("fetch", 1000)):
            if _wanted(ctx, record):
                count += 1
                if HOOKS.get("fail_after") == count:
                    raise RuntimeError("the source broke")
                if "stall_after" in HOOKS and HOOKS["stall_after"] == count:
                    HOOKS["stalled"].set()
                    await HOOKS["release"].wait()
                HOOKS["yielded"] = count
                yield to_row(record)
    if ctx.updated_since is not None:
        async for key in history.deleted_since(ctx, "export_item"):
            yield Tombstone((key,))


ITEMS = Dataset(
    name="items",
    title="Items",
    description="One row per item.",
    columns=COLUMNS,
    primary_key=("id",),
    rows=item_rows,
    roles=frozenset({Role.admin, Role.governance, Role.reporter}),
    as_of=Support(True, "From the outbox: each item's last change at or before as_of."),
    updated_since=Support(True, "Indexed updated_at; deletions from the outbox."),
    filters=PROJECT_FILTERS,
)


def item_select(ctx: ExportContext) -> Select[Any]:
    """The live rows of `items` as one select (the SQL-rendered path): the same filters."""
    statement = select(*(ITEM.c[column.name] for column in COLUMNS)).order_by(ITEM.c.id)
    if ctx.project_ids is not None:
        ids = [uuid.UUID(value) for value in ctx.project_ids]
        statement = statement.where(ITEM.c.project_id.in_(ids))
    if "directorate" in ctx.filters:
        statement = statement.where(ITEM.c.directorate.in_(ctx.filters["directorate"]))
    if "stage" in ctx.filters:
        statement = statement.where(ITEM.c.stage.in_(ctx.filters["stage"]))
    return statement


def unrenderable_select(ctx: ExportContext) -> Select[Any]:
    """A select the rendered path refuses (too few columns): the export falls back."""
    return select(ITEM.c.id, ITEM.c.title)


# `items` with the SQL-rendered path, and with one that falls back to the Python path.
ITEMS_FAST = dataclasses.replace(ITEMS, name="items_fast", select=item_select)
ITEMS_FALLBACK = dataclasses.replace(ITEMS, name="items_fallback", select=unrenderable_select)


async def no_rows(ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
    rows: list[Row] = []
    for row in rows:
        yield row


REFUSING = Dataset(
    name="refusing",
    title="Refusing",
    description="Refuses both moments.",
    columns=(Column("id", ColumnType.STRING, "Id.", required=True),),
    primary_key=("id",),
    rows=no_rows,
    roles=frozenset({Role.admin, Role.governance, Role.reporter, Role.viewer}),
    as_of=Support.refused("no history is kept for these rows"),
    updated_since=Support.refused("rows carry no change time"),
)


async def resolve_scope(
    request: Request,
    principal: Principal,
    filters: Mapping[str, tuple[str, ...]],
    as_of: dt.datetime | None,
) -> frozenset[str] | None:
    """As a service owning projects would: here the project filter is taken as is."""
    HOOKS.setdefault("scope_calls", []).append({**filters, "as_of": as_of})
    return frozenset(filters["project_id"]) if "project_id" in filters else None


async def no_checks(_: object) -> dict[str, str]:
    return {}


@asynccontextmanager
async def probe_app(url: str) -> AsyncIterator[FastAPI]:
    install_change_capture()
    settings = BaseProcessSettings(log_json=False, log_level="WARNING")
    app = create_process_app(
        name="probe",
        title="probe",
        description="",
        version="0",
        settings=settings,
        readiness=no_checks,
    )
    database = Database.connect(url, info={PLATFORM_INFO_KEY: PLATFORM})
    async with database.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    app.state.database = database
    app.state.platform = PLATFORM
    include_flat(
        app,
        exports_router(
            [ITEMS, ITEMS_FAST, ITEMS_FALLBACK, REFUSING],
            scope=resolve_scope,
            extras=lambda request: {"service": request.app.state.service_name},
        ),
        dependencies=[Depends(get_principal)],
    )
    add_outer_middleware(app, name="probe", settings=settings)
    try:
        yield app
    finally:
        await asyncio.sleep(0)
        await database.dispose()


@pytest.fixture(scope="session")
async def app() -> AsyncIterator[FastAPI]:
    async with empty_database("shared", "exports") as url, probe_app(url) as application:
        yield application


@pytest.fixture(autouse=True)
async def clean(app: FastAPI) -> AsyncIterator[None]:
    HOOKS.clear()
    yield
    HOOKS.clear()
    async with app.state.database.engine.begin() as connection:
        tables: tuple[Table, ...] = (ITEM, PLATFORM.outbox, PLATFORM.audit)
        for table in tables:
            await connection.execute(delete(table))


@pytest.fixture
def probe() -> ModuleType:
    """This module: its model, datasets and hooks, for the tests to use."""
    return sys.modules[__name__]


Client = Callable[..., httpx.AsyncClient]


@pytest.fixture
def client_as(app: FastAPI, tokens: TokenFactory) -> Client:
    """`async with client_as("reporter") as client:` an in-process client with that role."""

    def make(*roles: str, sub: str = "user-1") -> httpx.AsyncClient:
        return api_client(app, token=tokens(*roles, sub=sub))

    return make


@pytest.fixture
async def client(client_as: Client) -> AsyncIterator[httpx.AsyncClient]:
    async with client_as("governance", sub="gov-1") as api:
        yield api
