"""Machine clients: the queries (a client, its read model with last use, the list, usage)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from integrations_service.oauth.models import OAuthClient, OAuthClientUsage

# The read model's columns: never the secret digests.
_READ_COLUMNS: tuple[Any, ...] = (
    OAuthClient.id,
    OAuthClient.name,
    OAuthClient.roles,
    OAuthClient.expires_at,
    OAuthClient.revoked_at,
    OAuthClient.secret_rotated_at,
    OAuthClient.previous_secret_expires_at,
    OAuthClient.created_by,
    OAuthClient.created_at,
    OAuthClient.updated_at,
    OAuthClient.version,
    OAuthClientUsage.last_used_at,
)


async def get(session: AsyncSession, client_id: uuid.UUID) -> OAuthClient | None:
    """The ORM instance, for writes and for authenticating a token request."""
    return await session.get(OAuthClient, client_id)


def list_statement() -> Select[Any]:
    """The clients as Core rows of the read model (run with `scalars=False`)."""
    return select(*_READ_COLUMNS).outerjoin(
        OAuthClientUsage, OAuthClientUsage.client_id == OAuthClient.id
    )


async def read(session: AsyncSession, client_id: uuid.UUID) -> Row[Any] | None:
    result = await session.execute(list_statement().where(OAuthClient.id == client_id))
    row: Row[Any] | None = result.one_or_none()
    return row


async def last_used_at(session: AsyncSession, client_id: uuid.UUID) -> dt.datetime | None:
    return await session.scalar(
        select(OAuthClientUsage.last_used_at).where(OAuthClientUsage.client_id == client_id)
    )


async def mark_used(session: AsyncSession, client_id: uuid.UUID, at: dt.datetime) -> None:
    """Record a token issued now: one upsert, so concurrent requests of a client never
    collide on the first insert."""
    dialect = (await session.connection()).dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OAuthClientUsage).values(client_id=client_id, last_used_at=at)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[OAuthClientUsage.client_id], set_={"last_used_at": at}
        )
    )
