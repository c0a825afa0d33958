"""Aggregates: a read-only session for POST reads, and who may read aggregates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, Role, require_roles
from shared.db import get_database


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The read-only session a GET gets, for a POST that only reads (its body carries the
    project set): no write transaction, so on SQLite it never holds the writer's lock."""
    async with get_database(request).read_sessionmaker() as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]

# The contract: governance and admin read everything, reporter and viewer the aggregates
# (without personal fields), and the other services with their own identity.
Reader = Annotated[
    Principal, Depends(require_roles(Role.governance, Role.reporter, Role.viewer, Role.service))
]
