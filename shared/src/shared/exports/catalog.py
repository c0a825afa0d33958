"""What a service declares about each dataset it exports: columns, keys, roles and how
`as_of` / `updated_since` are served. The shared router, the writers and the data dictionary
at `GET /v1/exports` all read these declarations, so the dictionary cannot drift from the files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from fastapi import Request
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.auth import Principal, Role
from shared.platform import PlatformTables


class ColumnType(StrEnum):
    """Frictionless Table Schema field types (the bundle's `datapackage.json` uses them as is)."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    # Enumerations: the API strings, published in the dictionary and the Table Schema.
    enum: tuple[str, ...] | None = None
    # `uuid` for ids (Table Schema `format`), so BI tools know the column joins.
    format: str | None = None
    required: bool = False


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    dataset: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Support:
    """Whether a dataset honours `as_of` or `updated_since`, and how (published verbatim in the
    dictionary). A dataset that cannot honour one refuses it with 422, never ignores it."""

    served: bool
    how: str

    @classmethod
    def refused(cls, why: str) -> Support:
        return cls(served=False, how=why)


@dataclass(frozen=True)
class Filter:
    """A query filter shared with the list endpoints (`project_id`, `directorate`, `stage`...).
    Values arrive validated against `pattern` (or `enum`), repeatable when `many`."""

    name: str
    description: str
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    many: bool = True
    # `uuid`: values are ids, canonicalised (lower case, hyphenated) before a row source sees them.
    format: str | None = None


@dataclass(frozen=True)
class Tombstone:
    """Yielded by a row source in `updated_since` mode for a row deleted since then: only the
    primary key is known; the writers leave the other columns empty and set `deleted`."""

    key: tuple[Any, ...]


@dataclass(frozen=True)
class ExportContext:
    """What a row source reads with: one connection holding one consistent read transaction
    for the whole stream, the caller, the validated filters and the moments asked for."""

    connection: AsyncConnection
    platform: PlatformTables
    principal: Principal
    filters: Mapping[str, tuple[str, ...]]
    # `as_of` when asked for; None for a live export (read the tables as they are now).
    as_of: dt.datetime | None
    updated_since: dt.datetime | None
    snapshot_at: dt.datetime
    # Project ids the filters resolved to (None: no project filter). Resolved once per export,
    # by the service's own rule (a subquery in projects, one call to projects elsewhere).
    project_ids: frozenset[str] | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)

    @property
    def moment(self) -> dt.datetime:
        """The moment the rows are read at: `as_of` when asked for, else the snapshot time."""
        return self.as_of or self.snapshot_at

    @property
    def incremental(self) -> bool:
        """`updated_since` mode: changed rows and tombstones, with a `deleted` column."""
        return self.updated_since is not None


# A row is a sequence of values in the dataset's column order: str, int, float, Decimal, bool,
# datetime (UTC), date, UUID, StrEnum or None. The writers format them (ISO 8601 with `Z`).
Row = Sequence[Any]
RowSource = Callable[[ExportContext], AsyncIterator[Row | Tombstone]]
# Called once per export before streaming, with the validated filters and the export's `as_of`
# (None: now), so project filters select the projects as they stood at that moment: the project
# ids they resolve to (None: no project restriction), landing in `ExportContext.project_ids`.
ScopeResolver = Callable[
    [Request, Principal, Mapping[str, tuple[str, ...]], dt.datetime | None],
    Awaitable[frozenset[str] | None],
]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rows: RowSource
    roles: frozenset[Role]
    as_of: Support
    updated_since: Support
    foreign_keys: tuple[ForeignKey, ...] = ()
    filters: tuple[Filter, ...] = ()
    # Optional fast path (`shared.exports.rendered`): the live rows as ONE Core select whose
    # columns are the dataset's, in order, raw values, with the same filters `rows` applies.
    # Live CSV and NDJSON exports then have the database render each line; `as_of`,
    # `updated_since` and XLSX stay on `rows`.
    select: Callable[[ExportContext], Select[Any]] | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)
