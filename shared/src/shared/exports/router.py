"""`exports_router(datasets)`: a service's `GET /v1/exports` (its data dictionary) and one
`GET /v1/exports/<name>` per dataset, the contract of docs/conventions.md ("Exports") written
once.

Before any byte: the caller's role (403), the format (406), the moments (422: `as_of` or
`updated_since` in the future, `updated_since` after `as_of`, either asked of a dataset that
refuses it), the scope resolver, then the audit entry in its own short write transaction.
Then the body streams from ONE connection holding ONE read transaction (PostgreSQL: REPEATABLE
READ READ ONLY; SQLite: a deferred read transaction, a WAL snapshot), fetched in batches and
encoded into ~64 KiB chunks. A client that goes away cancels the generator, whose cleanup (shielded
from that cancellation) rolls back and returns the connection. A failure after the first byte is
logged and propagates, so the server cuts the connection without the final chunk and an NDJSON
trailer never claims completeness.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from typing import Annotated, Any, Literal

import anyio
import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import StringConstraints
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.types import Send

from shared.auth import Principal, PrincipalDep
from shared.changes import record_audit
from shared.db import SQLITE_BEGIN_OPTION, Database, get_database, utcnow
from shared.exports.catalog import (
    Column,
    ColumnType,
    Dataset,
    ExportContext,
    Filter,
    ScopeResolver,
    Tombstone,
)
from shared.exports.formats import (
    MEDIA_TYPES,
    ExportFormat,
    close_iterator,
    csv_header,
    iso_datetime,
    json_line,
    write_csv,
    write_ndjson,
)
from shared.exports.negotiation import FormatNotAcceptable, choose_format
from shared.exports.rendered import Unrenderable, rendered_lines, stream_lines
from shared.exports.schemas import ExportCatalog, export_catalog
from shared.exports.xlsx import write_xlsx
from shared.platform import PlatformTables
from shared.problems import FieldError, Forbidden, InvalidInput, problem_responses
from shared.types import QueryBool, UtcDateTime

logger = structlog.get_logger("shared.exports")

# The high-water mark is the snapshot moment minus this: a write whose row timestamp (taken at
# flush) precedes its commit by up to this long is still picked up by the next incremental run.
# Rows changed within the window may come twice; loads upsert by primary key.
SETTLE_WINDOW = dt.timedelta(seconds=60)
# Values per repeatable filter: they are bound into queries (never an unbounded list, #16).
MAX_FILTER_VALUES = 100
MAX_FILTER_VALUE_CHARS = 200
DELETED = Column(
    "deleted",
    ColumnType.BOOLEAN,
    "With `updated_since` only: true for a row deleted since then (only its key is filled).",
    required=True,
)
# Read once per export, before streaming: values the row sources find in `ctx.extras`.
ExtrasProvider = Callable[[Request], Mapping[str, Any]]
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class AsOfNotSupported(InvalidInput):
    slug = "as-of-not-supported"
    title = "This dataset cannot be exported as of a past moment"


class UpdatedSinceNotSupported(InvalidInput):
    slug = "updated-since-not-supported"
    title = "This dataset cannot be exported incrementally"


def _moment_error(name: str, detail: str) -> InvalidInput:
    return InvalidInput(
        detail, errors=[FieldError(pointer=f"/{name}", location="query", detail=detail)]
    )


def _check_moments(
    dataset: Dataset, as_of: dt.datetime | None, updated_since: dt.datetime | None, now: dt.datetime
) -> None:
    if as_of is not None:
        if as_of > now:
            raise _moment_error("as_of", "`as_of` is in the future.")
        if not dataset.as_of.served:
            raise AsOfNotSupported(
                f"`{dataset.name}` cannot be exported as of a moment: {dataset.as_of.how}",
                errors=[FieldError(pointer="/as_of", location="query", detail=dataset.as_of.how)],
            )
    if updated_since is not None:
        if updated_since > now:
            raise _moment_error("updated_since", "`updated_since` is in the future.")
        if as_of is not None and updated_since > as_of:
            raise _moment_error("updated_since", "`updated_since` is after `as_of`.")
        if not dataset.updated_since.served:
            how = dataset.updated_since.how
            raise UpdatedSinceNotSupported(
                f"`{dataset.name}` cannot be exported incrementally: {how}",
                errors=[FieldError(pointer="/updated_since", location="query", detail=how)],
            )


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _canonical(item: Filter, value: str) -> str:
    return str(uuid.UUID(value)) if item.format == "uuid" else value


def _filter_annotation(item: Filter) -> Any:
    value_type: Any
    if item.enum is not None:
        value_type = Literal.__getitem__(item.enum)  # the values, published as an enum
    else:
        value_type = Annotated[
            str,
            StringConstraints(
                min_length=1, max_length=MAX_FILTER_VALUE_CHARS, pattern=item.pattern
            ),
        ]
    query = Query(alias=item.name, description=item.description)
    if item.many:
        query = Query(
            alias=item.name,
            description=item.description + f" At most {MAX_FILTER_VALUES} values.",
            max_length=MAX_FILTER_VALUES,
        )
        return Annotated[list[value_type] | None, query]
    return Annotated[value_type | None, query]


FormatQuery = Annotated[
    str | None,
    Query(
        alias="format",
        max_length=20,
        description="`csv` (default), `ndjson` or `xlsx`; overrides `Accept`. Anything else: 406.",
        # Published as its values; checked in the route so that anything else is the 406
        # content negotiation owes, not a generic 422.
        json_schema_extra={"enum": [fmt.value for fmt in ExportFormat]},
    ),
]
BomQuery = Annotated[
    QueryBool, Query(description="CSV only: start with a UTF-8 byte order mark (for Excel).")
]
AsOfQuery = Annotated[
    UtcDateTime | None,
    Query(description="The dataset as it stood at this moment (reproducible); not in the future."),
]
UpdatedSinceQuery = Annotated[
    UtcDateTime | None,
    Query(
        description="Only rows changed after this moment, plus deleted rows (`deleted` true); "
        "pass the previous response's `Export-High-Water-Mark`."
    ),
]
TrailerQuery = Annotated[
    QueryBool,
    Query(
        description='NDJSON only: end with `{"_export": {"complete": true, "rows": N, ...}}`, '
        "written only once every row was."
    ),
]

_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The dataset, streamed. Headers: `Content-Disposition`, `Export-As-Of`, "
        "`Export-High-Water-Mark` (the `updated_since` of the next incremental run). A body "
        "cut short ends without HTTP's final chunk.",
        "content": {media: {"schema": {"type": "string"}} for media in MEDIA_TYPES.values()},
    },
    **problem_responses(Forbidden, FormatNotAcceptable, InvalidInput, AsOfNotSupported),
}


class _Export:
    """One dataset's route: checks, audit, then the stream."""

    def __init__(
        self, dataset: Dataset, scope: ScopeResolver | None, extras: ExtrasProvider | None
    ) -> None:
        self.dataset = dataset
        self.scope = scope
        self.extras = extras
        self.allowed = frozenset(str(role) for role in dataset.roles)
        self.key_positions = tuple(dataset.column_names.index(key) for key in dataset.primary_key)

    def endpoint(self) -> Any:
        async def export(request: Request, principal: PrincipalDep, **params: Any) -> Response:
            return await self.answer(request, principal, params)

        parameters = [
            inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
            inspect.Parameter("principal", inspect.Parameter.KEYWORD_ONLY, annotation=PrincipalDep),
            inspect.Parameter(
                "format_", inspect.Parameter.KEYWORD_ONLY, annotation=FormatQuery, default=None
            ),
            inspect.Parameter(
                "bom", inspect.Parameter.KEYWORD_ONLY, annotation=BomQuery, default=False
            ),
            inspect.Parameter(
                "as_of", inspect.Parameter.KEYWORD_ONLY, annotation=AsOfQuery, default=None
            ),
            inspect.Parameter(
                "updated_since",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=UpdatedSinceQuery,
                default=None,
            ),
            inspect.Parameter(
                "trailer", inspect.Parameter.KEYWORD_ONLY, annotation=TrailerQuery, default=False
            ),
        ]
        for index, item in enumerate(self.dataset.filters):
            parameters.append(
                inspect.Parameter(
                    f"filter_{index}",
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=_filter_annotation(item),
                    default=None,
                )
            )
        export.__signature__ = inspect.Signature(parameters, return_annotation=Response)  # type: ignore[attr-defined]
        export.__name__ = f"export_{self.dataset.name}"
        return export

    def _filters(self, params: dict[str, Any]) -> dict[str, tuple[str, ...]]:
        filters: dict[str, tuple[str, ...]] = {}
        for index, item in enumerate(self.dataset.filters):
            raw = params.get(f"filter_{index}")
            values = raw if isinstance(raw, list) else [raw] if raw is not None else []
            if values:
                # Order kept, repeats dropped: the same filter either way.
                filters[item.name] = tuple(dict.fromkeys(_canonical(item, v) for v in values))
        return filters

    async def answer(
        self, request: Request, principal: Principal, params: dict[str, Any]
    ) -> Response:
        dataset = self.dataset
        if not principal.roles & self.allowed:
            raise Forbidden(
                f"Exporting `{dataset.name}` needs one of the roles: "
                f"{', '.join(sorted(self.allowed))}."
            )
        fmt = choose_format(params["format_"], request.headers.get("accept"))
        as_of: dt.datetime | None = params["as_of"]
        updated_since: dt.datetime | None = params["updated_since"]
        snapshot_at = utcnow()
        _check_moments(dataset, as_of, updated_since, snapshot_at)
        filters = self._filters(params)
        project_ids = await self.scope(request, principal, filters, as_of) if self.scope else None
        extras = dict(self.extras(request)) if self.extras else {}
        database = get_database(request)
        platform: PlatformTables = request.app.state.platform
        await _audit(database, dataset.name, fmt, filters, as_of, updated_since)
        moment = as_of or snapshot_at
        high_water = min(moment, snapshot_at - SETTLE_WINDOW)
        columns = (*dataset.columns, DELETED) if updated_since is not None else dataset.columns
        extension = fmt.value
        headers = {
            "Content-Disposition": (
                f'attachment; filename="{dataset.name}_{_stamp(moment)}.{extension}"'
            ),
            "Export-As-Of": iso_datetime(moment),
            "Export-High-Water-Mark": iso_datetime(high_water),
            "Cache-Control": "no-store",
            "Vary": "Accept",
        }
        counter = _Counter()

        def context(connection: AsyncConnection) -> ExportContext:
            return ExportContext(
                connection=connection,
                platform=platform,
                principal=principal,
                filters=filters,
                as_of=as_of,
                updated_since=updated_since,
                snapshot_at=snapshot_at,
                project_ids=project_ids,
                extras=extras,
            )

        trailer: Callable[[], dict[str, Any]] | None = None
        if fmt is ExportFormat.ndjson and params["trailer"]:

            def trailer() -> dict[str, Any]:
                return {
                    "_export": {
                        "complete": True,
                        "rows": counter.rows,
                        "high_water_mark": iso_datetime(high_water),
                        "as_of": iso_datetime(moment),
                    }
                }

        rows = self._rows(database, context, counter, incremental=updated_since is not None)
        body: AsyncIterator[bytes]
        if (
            dataset.select is not None
            and as_of is None
            and updated_since is None
            and fmt in (ExportFormat.csv, ExportFormat.ndjson)
        ):
            await close_iterator(rows)  # never started: no connection taken
            body = self._rendered(
                database, context, counter, fmt, bom=bool(params["bom"]), trailer=trailer
            )
        elif fmt is ExportFormat.csv:
            body = write_csv(columns, rows, bom=bool(params["bom"]))
        elif fmt is ExportFormat.ndjson:
            body = write_ndjson(columns, rows, trailer=trailer)
        else:
            body = write_xlsx(columns, rows, sheet=dataset.name, modified_at=moment)
        return ExportResponse(
            _logged(body, dataset.name, fmt), media_type=MEDIA_TYPES[fmt], headers=headers
        )

    async def _rendered(
        self,
        database: Database,
        context: Callable[[AsyncConnection], ExportContext],
        counter: _Counter,
        fmt: ExportFormat,
        *,
        bom: bool,
        trailer: Callable[[], dict[str, Any]] | None,
    ) -> AsyncIterator[bytes]:
        """A live CSV or NDJSON export rendered by the database (`shared.exports.rendered`):
        the same bytes as the writers, the same one read transaction; the Python path on the
        same transaction when a column cannot be rendered."""
        dataset = self.dataset
        assert dataset.select is not None
        async with _ReadTransaction(database) as connection:
            ctx = context(connection)
            fallback: AsyncIterator[bytes] | None = None
            try:
                lines = rendered_lines(
                    dataset.columns, dataset.select(ctx), fmt, connection.dialect.name
                )
            except Unrenderable as why:
                logger.warning("export_not_rendered", dataset=dataset.name, reason=str(why))
                items = self._items(ctx, counter, incremental=False)
                if fmt is ExportFormat.csv:
                    fallback = write_csv(dataset.columns, items, bom=bom)
                else:
                    fallback = write_ndjson(dataset.columns, items, trailer=trailer)
            if fallback is not None:
                try:
                    async for chunk in fallback:
                        yield chunk
                finally:
                    await close_iterator(fallback)
                return
            if fmt is ExportFormat.csv:
                yield csv_header(dataset.columns, bom=bom)

            def counted(rows: int) -> None:
                counter.rows += rows

            chunks = stream_lines(connection, lines, counted=counted)
            try:
                async for chunk in chunks:
                    yield chunk
            finally:
                await close_iterator(chunks)  # its open result, before the transaction ends
            if trailer is not None:
                yield json_line(trailer())

    async def _rows(
        self,
        database: Database,
        context: Callable[[AsyncConnection], ExportContext],
        counter: _Counter,
        *,
        incremental: bool,
    ) -> AsyncIterator[Sequence[Any]]:
        async with _ReadTransaction(database) as connection:
            items = self._items(context(connection), counter, incremental=incremental)
            try:
                async for item in items:
                    yield item
            finally:
                await close_iterator(items)

    async def _items(
        self, ctx: ExportContext, counter: _Counter, *, incremental: bool
    ) -> AsyncIterator[Sequence[Any]]:
        """The row source's rows, checked, tombstones widened to rows, `deleted` appended."""
        width = len(self.dataset.columns)
        source = self.dataset.rows(ctx)
        try:
            async for item in source:
                if isinstance(item, Tombstone):
                    if not incremental:
                        raise TypeError(f"{self.dataset.name}: a tombstone outside updated_since")
                    row: list[Any] = [None] * width
                    for position, value in zip(self.key_positions, item.key, strict=True):
                        row[position] = value
                    row.append(True)
                    counter.rows += 1
                    yield row
                    continue
                if len(item) != width:
                    raise ValueError(
                        f"{self.dataset.name}: a row of {len(item)} values for {width} columns"
                    )
                counter.rows += 1
                yield (*item, False) if incremental else item
        finally:
            await close_iterator(source)  # its open result, before the transaction ends


class ExportResponse(StreamingResponse):
    """A streamed body that is closed however the stream ends. Starlette leaves the iterator
    suspended when `send` fails (a client gone, ASGI 2.4) or the disconnect listener cancels
    the stream between chunks: its cleanup, the read transaction's end, would wait for the
    garbage collector. Closing it here returns the connection at once."""

    async def stream_response(self, send: Send) -> None:
        try:
            await super().stream_response(send)
        finally:
            body = self.body_iterator
            if isinstance(body, AsyncGenerator):
                with anyio.CancelScope(shield=True):
                    await body.aclose()


class _Counter:
    rows = 0


class _ReadTransaction:
    """A dedicated connection holding one read-only transaction (a consistent snapshot) for the
    whole stream; closed whatever ends it, a cancelled (disconnected) stream included."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.connection: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        engine = self.database.engine
        if engine.dialect.name == "postgresql":
            options: dict[str, Any] = {
                "isolation_level": "REPEATABLE READ",
                "postgresql_readonly": True,
            }
        else:
            # DEFERRED: a reader never takes the write lock; its snapshot starts at the first read.
            # The threaded aiosqlite engine, not the inline reader: the inline cursor fetches a
            # statement's every row at once (right for a GET, wrong for a stream). Measured on
            # 200,000 rows: threaded, first batch 13 ms and no RSS growth; inline, first batch
            # 1.7 s, +50 MB, and the loop held for 1.6 s.
            options = {SQLITE_BEGIN_OPTION: "DEFERRED"}
        connection = await engine.connect()
        self.connection = connection
        try:
            await connection.execution_options(**options)
            await connection.begin()
        except BaseException:
            await self._close()
            raise
        return connection

    async def __aexit__(self, *_: Any) -> None:
        await self._close()

    async def _close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        # Shielded: a client disconnect cancels the stream, and a cancelled cleanup would leave
        # the connection checked out with its transaction open.
        with anyio.CancelScope(shield=True):
            try:
                await connection.rollback()
            finally:
                await connection.close()


async def _audit(
    database: Database,
    dataset: str,
    fmt: ExportFormat,
    filters: dict[str, tuple[str, ...]],
    as_of: dt.datetime | None,
    updated_since: dt.datetime | None,
) -> None:
    async with database.sessionmaker() as session, session.begin():
        await record_audit(
            session,
            entity_type="export",
            entity_id=dataset,
            action="exported",
            changes={
                "format": fmt.value,
                "filters": {name: list(values) for name, values in filters.items()},
                "as_of": as_of,
                "updated_since": updated_since,
            },
        )


async def _logged(
    body: AsyncIterator[bytes], dataset: str, fmt: ExportFormat
) -> AsyncIterator[bytes]:
    """The body, with a failure after the first byte logged before it cuts the connection."""
    sent = 0
    try:
        # `aclosing` at every level: closing the outer generator must reach the read
        # transaction at the bottom at once, not when the collector finds the inner ones.
        try:
            async for chunk in body:
                sent += len(chunk)
                yield chunk
        finally:
            await close_iterator(body)
    except Exception as exc:
        logger.error(
            "export_failed_mid_stream",
            dataset=dataset,
            format=fmt.value,
            bytes_sent=sent,
            error=type(exc).__name__,
        )
        raise


def exports_router(
    datasets: Sequence[Dataset],
    *,
    scope: ScopeResolver | None = None,
    extras: ExtrasProvider | None = None,
) -> APIRouter:
    """The service's `GET /v1/exports` and one `GET /v1/exports/<name>` per dataset. `scope`
    resolves the filters to project ids once per export (`ctx.project_ids`); `extras` gives
    what the row sources read per export besides (`ctx.extras`, e.g. a setting of the app)."""
    names = [dataset.name for dataset in datasets]
    if len(set(names)) != len(names):
        raise ValueError(f"dataset names must be unique: {names}")
    for dataset in datasets:
        if not _NAME.match(dataset.name):
            raise ValueError(f"dataset name {dataset.name!r} must be snake_case")
        missing = set(dataset.primary_key) - set(dataset.column_names)
        if missing or not dataset.primary_key:
            raise ValueError(f"{dataset.name}: primary key {dataset.primary_key} not in columns")
        if "deleted" in dataset.column_names:
            raise ValueError(f"{dataset.name}: `deleted` is the incremental column's name")
    router = APIRouter(prefix="/v1/exports", tags=["exports"])
    catalog = export_catalog(datasets)

    @router.get(
        "",
        response_model=ExportCatalog,
        summary="The data dictionary of this service's exports",
    )
    async def list_exports(principal: PrincipalDep) -> ExportCatalog:
        return catalog

    for dataset in datasets:
        route = _Export(dataset, scope, extras)
        router.add_api_route(
            f"/{dataset.name}",
            route.endpoint(),
            methods=["GET"],
            name=f"export_{dataset.name}",
            summary=f"Export {dataset.title}",
            description=f"{dataset.description}\n\n`as_of`: {dataset.as_of.how}\n\n"
            f"`updated_since`: {dataset.updated_since.how}",
            response_class=Response,
            responses=_RESPONSES,
        )
    return router
