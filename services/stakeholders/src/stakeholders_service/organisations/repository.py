"""Organisations: the queries (by id, by ODS code, ancestors, lists)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.search import TextSearch
from stakeholders_service.organisations.models import Organisation, OrganisationType

# `?q=`: name and ODS code, on the text index the migrations keep (shared.search).
SEARCH = TextSearch("organisation", Organisation.id, (Organisation.name, Organisation.ods_code))


# The read path selects Core rows of the table's columns (what `OrganisationRead` mirrors): no ORM
# instance or identity-map entry per row. The point read is built once, with a bound parameter,
# so a GET does not rebuild the statement or its cache key (bench/RESULTS.md, item 7).
_TABLE = Organisation.__table__
_BY_ID = select(*_TABLE.c).where(
    _TABLE.c.id == bindparam("organisation_id", type_=_TABLE.c.id.type)
)


async def get(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation | None:
    """The ORM instance, for writes (PATCH changes it in place)."""
    return await session.get(Organisation, organisation_id)


async def read(session: AsyncSession, organisation_id: uuid.UUID) -> Row[Any] | None:
    """One organisation as a Core row, for reads."""
    result = await session.execute(_BY_ID, {"organisation_id": organisation_id})
    return result.one_or_none()


async def get_by_ods_code(session: AsyncSession, ods_code: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(Organisation.ods_code == ods_code))


async def ancestors(
    session: AsyncSession, organisation_id: uuid.UUID, *, limit: int = 50
) -> list[uuid.UUID]:
    """The chain of parents above `organisation_id` (bounded, so a corrupt loop cannot hang us)."""
    chain: list[uuid.UUID] = []
    current: uuid.UUID | None = organisation_id
    while current is not None and len(chain) < limit:
        chain.append(current)
        current = await session.scalar(
            select(Organisation.parent_id).where(Organisation.id == current)
        )
    return chain


async def list_statement(
    session: AsyncSession,
    *,
    type_: OrganisationType | None,
    parent_id: uuid.UUID | None,
    ods_code: str | None,
    q: str | None,
) -> Select[Any]:
    """The list's Core rows (the read model's columns; run with `scalars=False`)."""
    statement = select(*_TABLE.c)
    if type_ is not None:
        statement = statement.where(Organisation.type == type_)
    if parent_id is not None:
        statement = statement.where(Organisation.parent_id == parent_id)
    if ods_code is not None:
        statement = statement.where(Organisation.ods_code == ods_code.upper())
    if q:
        statement = statement.where(await SEARCH.condition(session, q))
    return statement
