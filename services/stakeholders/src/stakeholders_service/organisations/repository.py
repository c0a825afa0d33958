"""Organisations: the queries (by id, by ODS code, ancestors, lists)."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.search import TextSearch
from stakeholders_service.organisations.models import Organisation, OrganisationType

# `?q=`: name and ODS code, on the text index the migrations keep (shared.search).
SEARCH = TextSearch("organisation", Organisation.id, (Organisation.name, Organisation.ods_code))


async def get(session: AsyncSession, organisation_id: uuid.UUID) -> Organisation | None:
    return await session.get(Organisation, organisation_id)


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


def list_statement(
    *,
    type_: OrganisationType | None,
    parent_id: uuid.UUID | None,
    ods_code: str | None,
    q: str | None,
) -> Select[Organisation]:
    statement = select(Organisation)
    if type_ is not None:
        statement = statement.where(Organisation.type == type_)
    if parent_id is not None:
        statement = statement.where(Organisation.parent_id == parent_id)
    if ods_code is not None:
        statement = statement.where(Organisation.ods_code == ods_code.upper())
    if q:
        statement = statement.where(SEARCH.matches(q))
    return statement
