"""Exports for reporting jobs (issue #12): datasets a service declares, streamed as CSV, NDJSON or
XLSX, live, `as_of` a past moment or `updated_since` one, by one shared router.

A service declares its datasets in `<service>_service/exports/` and mounts the router:

    from shared.exports import PROJECT_FILTERS, Column, ColumnType, Dataset, ExportContext
    from shared.exports import Row, Support, Tombstone, exports_router, history, stream_mappings

    def to_row(record: Mapping[str, Any]) -> Row:  # a live row's mapping or a history snapshot
        return (record["id"], record["title"], record["stage"], record["updated_at"])

    async def project_rows(ctx: ExportContext) -> AsyncIterator[Row | Tombstone]:
        if ctx.as_of is not None:
            async for state in history.states_as_of(ctx, "project"):
                yield to_row(state)
            return
        async for record in stream_mappings(ctx, select(project.c.id, ...)):  # Core, batched
            yield to_row(record)
        if ctx.updated_since is not None:
            async for key in history.deleted_since(ctx, "project"):
                yield Tombstone((key,))

    PROJECTS = Dataset(name="projects", title="Projects", description="...", columns=(...),
        primary_key=("id",), rows=project_rows, roles=frozenset({Role.admin, Role.reporter}),
        as_of=Support(True, "..."), updated_since=Support(True, "..."), filters=PROJECT_FILTERS)
    router = exports_router([PROJECTS], scope=None)  # in the service's `routers`

Values come out formatted by column type (`formats`), text cells safe for spreadsheets.
"""

from shared.exports import history
from shared.exports.catalog import (
    Column,
    ColumnType,
    Dataset,
    ExportContext,
    Filter,
    ForeignKey,
    Row,
    RowSource,
    ScopeResolver,
    Support,
    Tombstone,
)
from shared.exports.filters import (
    DIRECTORATE,
    PROJECT_FILTERS,
    PROJECT_ID,
    STAGE,
    STAGES,
    UUID_PATTERN,
)
from shared.exports.formats import MEDIA_TYPES, ExportFormat, neutralise
from shared.exports.history import (
    deleted_since,
    snapshot_value,
    states_as_of,
    states_changed_since,
    stream_mappings,
)
from shared.exports.negotiation import FormatNotAcceptable, choose_format
from shared.exports.router import (
    DELETED,
    SETTLE_WINDOW,
    AsOfNotSupported,
    ExportResponse,
    ExtrasProvider,
    UpdatedSinceNotSupported,
    exports_router,
)
from shared.exports.schemas import DatasetInfo, ExportCatalog, dataset_info, export_catalog

__all__ = [
    "DELETED",
    "DIRECTORATE",
    "MEDIA_TYPES",
    "PROJECT_FILTERS",
    "PROJECT_ID",
    "SETTLE_WINDOW",
    "STAGE",
    "STAGES",
    "UUID_PATTERN",
    "AsOfNotSupported",
    "Column",
    "ColumnType",
    "Dataset",
    "DatasetInfo",
    "ExportCatalog",
    "ExportContext",
    "ExportFormat",
    "ExportResponse",
    "ExtrasProvider",
    "Filter",
    "ForeignKey",
    "FormatNotAcceptable",
    "Row",
    "RowSource",
    "ScopeResolver",
    "Support",
    "Tombstone",
    "UpdatedSinceNotSupported",
    "choose_format",
    "dataset_info",
    "deleted_since",
    "export_catalog",
    "exports_router",
    "history",
    "neutralise",
    "snapshot_value",
    "states_as_of",
    "states_changed_since",
    "stream_mappings",
]
