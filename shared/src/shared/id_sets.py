"""Membership in a set of ids bound as ONE parameter, however many ids there are.

`column.in_(ids)` binds a parameter per id: PostgreSQL's driver refuses more than 65,535, and
SQLite caps them too (issue #16 item 1: never bind an unbounded id list). Here the set travels as
one value: a uuid[] array on PostgreSQL (`= ANY(...)`), a JSON array read by `json_each` on
SQLite (matching the 32-hex-digit text SQLAlchemy's `Uuid` stores there).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Uuid, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY


def in_id_set(
    column: Any, ids: Collection[uuid.UUID], *, dialect: str, name: str = "id_set"
) -> ColumnElement[bool]:
    """`column` is one of `ids`; `dialect` is the session's (`session.bind.dialect.name`)."""
    if dialect == "postgresql":
        array = bindparam(name, list(ids), type_=ARRAY(Uuid()))
        return column == func.any(array)  # type: ignore[no-any-return]
    encoded = json.dumps([identifier.hex for identifier in ids])
    members = func.json_each(bindparam(name, encoded)).table_valued("value")
    return column.in_(select(literal_column("value")).select_from(members))  # type: ignore[no-any-return]
