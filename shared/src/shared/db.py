"""Database plumbing: one async engine per service, the naming convention, UUIDv7 ids, UTC
timestamps and the request session that commits before the response is sent.

Transaction rule: a request gets one session; service functions `flush()` and never `commit()`;
`get_session` commits once the route returns and before FastAPI sends the response (the
dependency is function-scoped, so its teardown runs before the response, see STYLE.md §2.1).

A little over 400 lines on purpose: the engine's event hooks (SQLite pragmas and BEGIN modes,
the inline reader, PostgreSQL's autocommit reads) and the session lifecycle that relies on them
are one mechanism; split, each half would need the other's private names.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import uuid_utils
from fastapi import Depends, Request
from sqlalchemy import JSON, DateTime, Dialect, Enum, MetaData, Uuid, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator, TypeEngine

from shared.etag import PreconditionFailed
from shared.sqlite_inline import DEFAULT_BUDGET_SECONDS, inline_creator

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def new_id() -> uuid.UUID:
    """A time-ordered UUIDv7, so ids sort by creation and index pages stay compact."""
    return uuid.UUID(bytes=uuid_utils.uuid7().bytes)


def system_clock() -> dt.datetime:
    """The wall clock, in UTC."""
    return dt.datetime.now(dt.UTC)


# Every timestamp the platform writes comes from `utcnow()`. Tests install their own clock
# (`shared.testing.clock`) to get distinct or chosen instants without sleeping.
_clock: Callable[[], dt.datetime] = system_clock


def utcnow() -> dt.datetime:
    return _clock()


def set_clock(clock: Callable[[], dt.datetime] | None) -> Callable[[], dt.datetime]:
    """Make `utcnow()` read `clock` (None: the wall clock again); returns the one it replaced."""
    global _clock
    previous, _clock = _clock, clock or system_clock
    return previous


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[dt.datetime]:
        # TypeDecorator reports `object`; keyset cursors parse their datetime value by this type.
        return dt.datetime

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC-aware values")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class JSONDocument(TypeDecorator[Any]):
    """JSON on SQLite, JSONB on PostgreSQL."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


def enum_column(enum: type[StrEnum], name: str, *, length: int = 40) -> Enum:
    """An enum stored as its string value, checked by a named CHECK constraint on every backend
    (no native PostgreSQL enum types: adding a value stays a plain migration)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class VersionedMixin:
    """An integer bumped on every UPDATE: the ETag, and SQLAlchemy's optimistic-concurrency
    counter (an UPDATE that finds the row changed underneath raises instead of overwriting)."""

    version: Mapped[int] = mapped_column()

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _install_sqlite_pragmas(sync_engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _: Any) -> None:
        # pysqlite's legacy transaction handling issues no BEGIN for SELECT or SAVEPOINT; take
        # over (SQLAlchemy's documented recipe) so transactions and savepoints are real.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        # Writers BEGIN IMMEDIATE: they take the write lock up front and wait (busy_timeout)
        # instead of failing with "database is locked" when a read lock is upgraded mid-way.
        # Read-only sessions (GET) ask for DEFERRED so readers never queue behind writers, or,
        # on the inline reader, for no transaction at all (NONE): each SELECT is then its own
        # read transaction, as each statement sees its own snapshot under PostgreSQL's READ
        # COMMITTED, and a GET saves the BEGIN and the ROLLBACK (~50 µs, bench/RESULTS.md).
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        if mode == "NONE":
            return
        # Straight to the driver: the statement needs none of SQLAlchemy's execution machinery.
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute(f"BEGIN {'DEFERRED' if mode == 'DEFERRED' else 'IMMEDIATE'}")
        cursor.close()


SQLITE_BEGIN_OPTION = "sqlite_begin"


def create_read_engine(
    url: str,
    *,
    pool_size: int = 5,
    busy_timeout_ms: int = 5000,
    inline_budget_ms: float = DEFAULT_BUDGET_SECONDS * 1000,
) -> AsyncEngine | None:
    """A separate engine for read-only sessions where that is faster: SQLite files are read on
    the event loop thread while a statement takes under `inline_budget_ms`, and on a worker
    thread past it (see `shared.sqlite_inline`). None means "read with the main engine"."""
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    # Inline connections are cheap file handles; a roomy pool keeps concurrent GETs from
    # queueing for a connection (measured: queueing cost 0.5 ms per request at 32 in flight).
    engine = create_async_engine(
        url,
        async_creator=inline_creator(
            parsed.database, budget=inline_budget_ms / 1000, busy_timeout_ms=busy_timeout_ms
        ),
        pool_size=max(pool_size, 16),
        max_overflow=max(pool_size, 16),
        # The session already ended the (read-only) transaction; a second ROLLBACK on return
        # to the pool would only cost time.
        pool_reset_on_return=None,
    )
    # Busy timeout 0: an inline read never waits for a lock; the thread it moves to does.
    _install_sqlite_pragmas(engine.sync_engine, busy_timeout_ms=0)
    return engine


def create_engine(url: str, *, pool_size: int = 5, busy_timeout_ms: int = 5000) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)
        _install_sqlite_pragmas(engine.sync_engine, busy_timeout_ms=busy_timeout_ms)
        return engine
    # No pre-ping: it was a round trip before every checkout (issue #16 item 8). A connection
    # the server dropped fails its first statement instead; SQLAlchemy then invalidates it and
    # every pooled connection older than the failure, a read retries once (`ReadSession`), and
    # anything else answers 503 with Retry-After (`shared.problems.is_connection_lost`).
    # `prepare_threshold=None`: psycopg would otherwise prepare a statement run five times, and
    # PostgreSQL then settles on a generic plan that cannot see the parameters. For a `?q=`
    # search that plan walks the primary key filtering every row instead of using the trigram
    # index (a no-hit stakeholder search: 8.6 ms against 0.1 ms; bench/RESULTS.md, item 5).
    # Unprepared, every statement is planned for its own values; the round trips are the same.
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        connect_args={"prepare_threshold": None},
    )


# Session info key: the transactional engine a read session streams from (PostgreSQL).
STREAM_BIND_KEY = "stream_bind"


class ReadSession(Session):
    """The session of a read-only request. On PostgreSQL it runs in autocommit (no BEGIN, no
    ROLLBACK: one round trip per statement; READ COMMITTED gave each statement its own snapshot
    anyway), so a statement that fails because its pooled connection was dropped (a database
    restart) has done nothing and is run once more, on a fresh connection.

    A streamed read (`stream()`, `yield_per`) needs a transaction there (a server-side cursor
    is declared in one): it runs on a second connection of the same session, from the
    transactional engine the session's `info` names (`STREAM_BIND_KEY`)."""

    def _once_more_if_dropped(self, run: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        options = kwargs.get("execution_options") or {}
        stream_bind = self.info.get(STREAM_BIND_KEY)
        if stream_bind is not None and (options.get("stream_results") or options.get("yield_per")):
            kwargs["bind_arguments"] = {"bind": stream_bind, **(kwargs.get("bind_arguments") or {})}
        try:
            return run(*args, **kwargs)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            self.rollback()  # forget the dead connection; the next statement checks out anew
            return run(*args, **kwargs)

    # The three public ways in (`get` and relationship loads go through `execute`).
    def execute(self, *args: Any, **kwargs: Any) -> Any:
        return self._once_more_if_dropped(super().execute, *args, **kwargs)

    def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return self._once_more_if_dropped(super().scalar, *args, **kwargs)

    def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return self._once_more_if_dropped(super().scalars, *args, **kwargs)


@dataclass
class Database:
    """A service's engine and session factory, created by the app factory and disposed in its
    lifespan. `info` travels with every session (the platform tables for audit and outbox)."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    read_sessionmaker: async_sessionmaker[AsyncSession]
    read_engine: AsyncEngine | None = None

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        info: dict[str, Any],
        pool_size: int = 5,
        busy_timeout_ms: int = 5000,
        inline_budget_ms: float = DEFAULT_BUDGET_SECONDS * 1000,
    ) -> Database:
        engine = create_engine(url, pool_size=pool_size, busy_timeout_ms=busy_timeout_ms)
        read_engine = create_read_engine(
            url,
            pool_size=pool_size,
            busy_timeout_ms=busy_timeout_ms,
            inline_budget_ms=inline_budget_ms,
        )
        return cls.for_engine(engine, info=info, read_engine=read_engine)

    @classmethod
    def for_engine(
        cls, engine: AsyncEngine, *, info: dict[str, Any], read_engine: AsyncEngine | None = None
    ) -> Database:
        reader = (read_engine or engine).execution_options(
            **{SQLITE_BEGIN_OPTION: "DEFERRED" if read_engine is None else "NONE"}
        )
        read_info: dict[str, Any] = {**info, READ_ONLY_KEY: True}
        if engine.dialect.name == "postgresql":
            # Client-side only: psycopg sends no BEGIN, and the pool's reset-on-return
            # ROLLBACK finds no transaction and sends nothing either.
            reader = reader.execution_options(isolation_level="AUTOCOMMIT")
            read_info[STREAM_BIND_KEY] = engine.sync_engine
        return cls(
            engine=engine,
            sessionmaker=async_sessionmaker(engine, expire_on_commit=False, info=info),
            read_sessionmaker=async_sessionmaker(
                reader,
                expire_on_commit=False,
                info=read_info,
                sync_session_class=ReadSession,
            ),
            read_engine=read_engine,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not None:
            await self.read_engine.dispose()


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_KEY = "read_only"


class WriteInReadOnlySession(RuntimeError):
    """A GET tried to write: give that route `WriteSessionDep` (a bug, not a client error)."""


def _refuse_writes(session: Session, *_: Any) -> None:
    if session.info.get(READ_ONLY_KEY) and (session.new or session.dirty or session.deleted):
        raise WriteInReadOnlySession("this session is read-only; the route needs WriteSessionDep")


def _refuse_dml(state: ORMExecuteState) -> None:
    if state.session.info.get(READ_ONLY_KEY) and (
        state.is_insert or state.is_update or state.is_delete
    ):
        raise WriteInReadOnlySession("this session is read-only; the route needs WriteSessionDep")


event.listen(Session, "before_flush", _refuse_writes)
event.listen(Session, "do_orm_execute", _refuse_dml)


BeforeCommit = Callable[[AsyncSession], Awaitable[None]]
# Request-scope state key: work an outer middleware needs done inside the request's own write
# transaction, just before it commits (the idempotency key is marked "committed" with the write,
# so a crash between the commit and the stored response can never run the write twice).
BEFORE_COMMIT_KEY = "shared.before_commit"


def before_commit_hooks(scope: MutableMapping[str, Any]) -> list[BeforeCommit]:
    """The request's before-commit hooks, created on first use."""
    hooks: list[BeforeCommit] = scope.setdefault("state", {}).setdefault(BEFORE_COMMIT_KEY, [])
    return hooks


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    database = get_database(request)
    if request.method in _READ_METHODS:
        # A read has nothing to commit: closing the session ends its transaction. Closed
        # directly, not by `async with`: SQLAlchemy runs that close in a task of its own (to
        # finish it whatever cancellation arrives), two more event-loop turns per request, and a
        # read session's close never waits on anything (an inline SQLite rollback, or on
        # PostgreSQL in autocommit none at all) that a cancellation could interrupt.
        session = database.read_sessionmaker()
        try:
            yield session
        finally:
            await session.close()
        return
    async with _write_session(database, before_commit_hooks(request.scope)) as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A writing session whatever the method: for the rare read that must record something
    (an export writes an audit entry)."""
    async with _write_session(get_database(request), before_commit_hooks(request.scope)) as session:
        yield session


@asynccontextmanager
async def _write_session(
    database: Database, hooks: Sequence[BeforeCommit] = ()
) -> AsyncIterator[AsyncSession]:
    """Commit when the route returns, roll back when it raises. A lost optimistic-concurrency
    race (StaleDataError, in a flush or the commit) becomes the 412 a stale If-Match gets."""
    async with database.sessionmaker() as session:
        try:
            yield session
        except StaleDataError as exc:
            await session.rollback()
            raise _lost_race() from exc
        except BaseException:
            await session.rollback()
            raise
        else:
            try:
                for hook in hooks:
                    await hook(session)
                await session.commit()
            except StaleDataError as exc:
                await session.rollback()
                raise _lost_race() from exc


def _lost_race() -> PreconditionFailed:
    """A versioned UPDATE matched no row: another writer changed it after this request read it
    (and passed its If-Match check). The same answer as a stale If-Match, never a 500."""
    return PreconditionFailed("The resource was changed by another request; read it again.")


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[AsyncSession, Depends(get_write_session, scope="function")]
