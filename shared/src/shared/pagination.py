"""Cursor (keyset) pagination: `{items, next_cursor}`, a `Link: rel="next"` header, and the
common list parameters (`limit`, `cursor`, `sort`, `updated_since`).

The cursor is opaque base64url JSON of the sort key and the last row's (sort value, id); the
query orders by (sort column, id), seeks past the cursor with a row-value comparison
`(column, id) > (:v, :id)` and fetches `limit + 1` rows, so on an index over (column, id) page
1000 costs what page 1 costs (shared/tests/test_keyset_plans.py checks both databases' plans).
A cursor is bound to its sort: reusing it with another sort is a 422.
"""

import base64
import binascii
import datetime as dt
import decimal
import enum
import inspect
import json
import math
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel, TypeAdapter
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    Select,
    SmallInteger,
    literal,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from shared.changes import to_jsonable
from shared.problems import FieldError, InvalidInput
from shared.types import UtcDateTime

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")
S = TypeVar("S", bound=BaseModel)


class Page(BaseModel, Generic[T]):
    """One page of a collection; `next_cursor` is null on the last page."""

    items: list[T]
    next_cursor: str | None


class InvalidCursor(InvalidInput):
    slug = "invalid-cursor"
    title = "The cursor is not valid for this list"


# One validator per read model: a whole page is validated in one pydantic-core call.
_LIST_ADAPTERS: dict[type[BaseModel], TypeAdapter[list[Any]]] = {}


def _list_adapter(schema: type[S]) -> TypeAdapter[list[S]]:
    adapter = _LIST_ADAPTERS.get(schema)
    if adapter is None:
        adapter = _LIST_ADAPTERS[schema] = TypeAdapter(list[schema])  # type: ignore[valid-type]
    return adapter


def row_dict(row: Row[Any]) -> dict[str, Any]:
    """One Core row as a plain dict (see `row_dicts`)."""
    return dict(zip(row._fields, row, strict=True))


def row_dicts(rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    """Core rows as plain dicts, the input pydantic-core validates fastest: about 1 µs a row,
    where `Row._asdict()` costs 3-5 and `from_attributes` on a `Row` 5-9 (bench/RESULTS.md)."""
    if not rows:
        return []
    keys = rows[0]._fields
    return [dict(zip(keys, row, strict=True)) for row in rows]


@dataclass(frozen=True)
class Rows(Generic[T]):
    """A page of rows (ORM instances, or Core rows with `scalars=False`), before conversion to
    the response schema."""

    items: Sequence[T]
    next_cursor: str | None

    def as_page(self, schema: type[S]) -> Page[S]:
        """The page as `Page[schema]`, validated in one call. Core rows (a `select()` of the
        read model's columns) are the lean path: no ORM instance per row."""
        items = self.items
        adapter = _list_adapter(schema)
        if items and isinstance(items[0], Row):
            validated = adapter.validate_python(row_dicts(items))  # type: ignore[arg-type]
        else:
            validated = adapter.validate_python(items, from_attributes=True)
        return Page[schema](items=validated, next_cursor=self.next_cursor)  # type: ignore[valid-type]


def _encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw, parse_constant=_refuse_constant)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _bad_cursor("The cursor could not be read.") from exc
    if not isinstance(payload, dict) or not {"s", "v", "id"} <= payload.keys():
        raise _bad_cursor("The cursor could not be read.")
    return payload


def _refuse_constant(name: str) -> Any:
    # `NaN`, `Infinity`: Python's json accepts them, no column holds them.
    raise ValueError(f"{name} is not a cursor value")


def _bad_cursor(detail: str) -> InvalidCursor:
    return InvalidCursor(
        detail, errors=[FieldError(pointer="/cursor", location="query", detail=detail)]
    )


_MAX_TEXT = 1000


def _integer_bound(column: Any) -> int:
    """The largest value the column's integer type holds on PostgreSQL: a cursor beyond it would
    be refused by the database (a 500), not by the cursor check."""
    column_type = column.type
    if isinstance(column_type, SmallInteger):
        return 2**15 - 1
    if isinstance(column_type, BigInteger) or not isinstance(column_type, Integer):
        return 2**63 - 1
    return 2**31 - 1


def _text(value: Any) -> str:
    """A cursor string: only a JSON string, and one any database can compare with (no NUL)."""
    if not isinstance(value, str) or len(value) > _MAX_TEXT or "\x00" in value:
        raise ValueError("not a cursor string")
    return value


def _parse_value(column: Any, value: Any) -> Any:
    """The cursor's JSON value as the column's Python type, exactly as `_encode` wrote it: any
    other type, a naive datetime, a non-finite or out-of-range number is a 422, never a value
    the database then refuses (a 500) or silently compares as something else."""
    if value is None:
        raise _bad_cursor("The cursor could not be read.")
    python_type = column.type.python_type
    try:
        if python_type is dt.datetime:
            moment = dt.datetime.fromisoformat(_text(value).replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError("naive datetime")
            return moment.astimezone(dt.UTC)
        if python_type is dt.date:
            return dt.date.fromisoformat(_text(value))
        if python_type is uuid.UUID:
            return uuid.UUID(_text(value))
        if python_type is decimal.Decimal:
            number = decimal.Decimal(_text(value))
            if not number.is_finite():
                raise ValueError("non-finite decimal")
            return number
        if issubclass(python_type, enum.Enum):
            return python_type(_text(value))
        if python_type is bool:
            if not isinstance(value, bool):
                raise TypeError("not a boolean")
            return value
        if python_type is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("not an integer")
            bound = _integer_bound(column)
            if not -bound - 1 <= value <= bound:
                raise ValueError("out of range")
            return value
        if python_type is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError("not a number")
            if not math.isfinite(value):
                raise ValueError("not finite")
            return float(value)
        if python_type is str:
            return _text(value)
        if not isinstance(value, python_type):
            raise TypeError("unexpected type")
        return value
    except (ValueError, TypeError, OverflowError, decimal.InvalidOperation) as exc:
        raise _bad_cursor("The cursor could not be read.") from exc


@dataclass(frozen=True)
class SortKey:
    name: str
    column: Any  # an ORM attribute or a Core column
    descending: bool


def _after(
    column: Any, id_column: Any, value: Any, last_id: Any, *, descending: bool
) -> ColumnElement[bool]:
    """The rows after the cursor's (value, id) in (column, id) order, as a row-value comparison:
    both SQLite and PostgreSQL seek an index on (..., column, id) to the bound with it, where the
    expanded `column > v OR (column = v AND id > i)` makes SQLite scan the index from its start
    (a page 1000 that costs more than page 1)."""
    if column is id_column:
        bound = literal(last_id, id_column.type)
        seek: ColumnElement[bool] = id_column < bound if descending else id_column > bound
        return seek
    left = tuple_(column, id_column)
    right = tuple_(literal(value, column.type), literal(last_id, id_column.type))
    return left < right if descending else left > right


class Pagination:
    """The list parameters of one request, and the keyset query that serves them."""

    def __init__(
        self,
        *,
        request: Request,
        response: Response,
        limit: int,
        cursor: str | None,
        sort: SortKey | None,
        updated_since: dt.datetime | None,
    ) -> None:
        self.request = request
        self.response = response
        self.limit = limit
        self.cursor = cursor
        self.sort = sort
        self.updated_since = updated_since

    def statement(
        self,
        statement: Select[Any],
        *,
        id_column: Any,
        updated_column: Any | None = None,
        newest_first: bool = False,
    ) -> tuple[Select[Any], SortKey]:
        """`statement` narrowed to this page (filters, keyset condition, order, `limit + 1`), and
        the sort it follows. `rows` runs it; a plan test explains it."""
        sort = self.sort or SortKey(id_column.key, id_column, descending=newest_first)
        if self.updated_since is not None:
            if updated_column is None:  # a bug: declare the list with incremental=False
                raise RuntimeError("updated_since was accepted by a list with no updated_column")
            statement = statement.where(updated_column >= self.updated_since)
        if self.cursor is not None:
            payload = _decode(self.cursor)
            if payload["s"] != ("-" if sort.descending else "") + sort.name:
                raise _bad_cursor("The cursor belongs to another sort order.")
            last_value = _parse_value(sort.column, payload["v"])
            last_id = _parse_value(id_column, payload["id"])
            statement = statement.where(
                _after(sort.column, id_column, last_value, last_id, descending=sort.descending)
            )
        columns = (sort.column,) if sort.column is id_column else (sort.column, id_column)
        order = [column.desc() if sort.descending else column.asc() for column in columns]
        return statement.order_by(*order).limit(self.limit + 1), sort

    async def rows(
        self,
        session: AsyncSession,
        statement: Select[Any],
        *,
        id_column: Any,
        updated_column: Any | None = None,
        scalars: bool = True,
        newest_first: bool = False,
    ) -> Rows[Any]:
        """Run `statement` for this page. `id_column` is the unique tiebreaker (an ORM attribute
        or a Core column); without `?sort=` rows come in id order (`newest_first` reverses it)."""
        statement, sort = self.statement(
            statement,
            id_column=id_column,
            updated_column=updated_column,
            newest_first=newest_first,
        )
        result = await session.execute(statement)
        items = list(result.scalars().all() if scalars else result.all())
        next_cursor = None
        if len(items) > self.limit:
            items = items[: self.limit]
            last = items[-1]
            next_cursor = _encode(
                {
                    "s": ("-" if sort.descending else "") + sort.name,
                    "v": to_jsonable(getattr(last, sort.column.key)),
                    "id": to_jsonable(getattr(last, id_column.key)),
                }
            )
            self._set_link(next_cursor)
        return Rows(items=items, next_cursor=next_cursor)

    def _set_link(self, next_cursor: str) -> None:
        query = [(k, v) for k, v in self.request.query_params.multi_items() if k != "cursor"]
        query.append(("cursor", next_cursor))
        # Path-absolute: the gateway rewrites `/v1/...` links to its public `/api/v1/...`.
        self.response.headers["Link"] = f'<{self.request.url.path}?{urlencode(query)}>; rel="next"'


def pagination_dependency(
    sort_fields: Mapping[str, InstrumentedAttribute[Any]] | None = None,
    *,
    default_sort: str | None = None,
    incremental: bool = True,
) -> Callable[..., Awaitable[Pagination]]:
    """Build the list-parameters dependency for one collection. `sort_fields` are the documented
    `?sort=` names (`-name` sorts descending); their columns must be NOT NULL. A collection
    with no change time (a catalogue seeded by migration) passes `incremental=False`: it then
    does not declare `updated_since`, so asking for it is a 422, never silently ignored."""
    dependency = _pagination_dependency(sort_fields, default_sort=default_sort)
    # Read by `declared_sorts`: the test that every documented sort has its index finds them.
    dependency.__sort_fields__ = dict(sort_fields or {})  # type: ignore[attr-defined]
    if not incremental:
        signature = inspect.signature(dependency)
        kept = [p for p in signature.parameters.values() if p.name != "updated_since"]
        dependency.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    return dependency


def declared_sorts(dependency: Callable[..., Any]) -> Mapping[str, Any] | None:
    """The `?sort=` fields (name to column) of a dependency `pagination_dependency` built, or
    None for any other callable."""
    fields: Mapping[str, Any] | None = getattr(dependency, "__sort_fields__", None)
    return fields


def _pagination_dependency(
    sort_fields: Mapping[str, InstrumentedAttribute[Any]] | None,
    *,
    default_sort: str | None,
) -> Callable[..., Awaitable[Pagination]]:
    # The dependencies below are `async def` although they never await: FastAPI runs a plain
    # `def` dependency on its thread pool, a thread hop on every list request (bench/RESULTS.md).
    fields = dict(sort_fields or {})
    for name, column in fields.items():
        if column.nullable:
            raise ValueError(f"sort field {name!r} is nullable; keyset pagination needs NOT NULL")
    choices = [*fields, *(f"-{name}" for name in fields)]
    # An inline enum in OpenAPI (a Literal), so every collection documents its own sort names.
    sort_type: Any = Literal.__getitem__(tuple(choices)) if choices else None

    def parse_sort(raw: str | None) -> SortKey | None:
        chosen = raw or default_sort
        if chosen is None:
            return None
        name = chosen.lstrip("-")
        if name not in fields:
            raise InvalidInput(
                f"Sort by one of: {', '.join(choices)}.",
                errors=[
                    FieldError(pointer="/sort", location="query", detail="Unknown sort field.")
                ],
            )
        return SortKey(name, fields[name], descending=chosen.startswith("-"))

    if sort_type is None:

        async def dependency(
            request: Request,
            response: Response,
            limit: Annotated[
                int, Query(ge=1, le=MAX_LIMIT, description="Page size (max 200).")
            ] = DEFAULT_LIMIT,
            cursor: Annotated[
                str | None, Query(max_length=1000, description="Opaque cursor from `next_cursor`.")
            ] = None,
            updated_since: Annotated[
                UtcDateTime | None,
                Query(description="Only items changed at or after this instant."),
            ] = None,
        ) -> Pagination:
            return Pagination(
                request=request,
                response=response,
                limit=limit,
                cursor=cursor,
                sort=parse_sort(None),
                updated_since=_aware(updated_since),
            )

        return dependency

    async def sorted_dependency(
        request: Request,
        response: Response,
        limit: Annotated[
            int, Query(ge=1, le=MAX_LIMIT, description="Page size (max 200).")
        ] = DEFAULT_LIMIT,
        cursor: Annotated[
            str | None, Query(max_length=1000, description="Opaque cursor from `next_cursor`.")
        ] = None,
        sort: Annotated[
            sort_type | None, Query(description="Sort field; prefix `-` for descending.")
        ] = None,
        updated_since: Annotated[
            UtcDateTime | None, Query(description="Only items changed at or after this instant.")
        ] = None,
    ) -> Pagination:
        return Pagination(
            request=request,
            response=response,
            limit=limit,
            cursor=cursor,
            sort=parse_sort(sort),
            updated_since=_aware(updated_since),
        )

    return sorted_dependency


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


PaginationDep = Annotated[Pagination, Depends(pagination_dependency())]
