"""Aggregates: the read-only session a POST read runs in, and who may call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Principal, Role, require_roles
from shared.db import get_database
from stakeholders_service.aggregates.service import READERS


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """These POSTs only read (POST carries the id set): a read session, as a GET gets, so
    nothing begins or commits a write transaction and no write can slip in."""
    async with get_database(request).read_sessionmaker() as session:
        yield session


ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]

# The portfolio readers (admin always passes `require_roles`).
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
# One project's picture: also a contributor or evaluator on its team (checked by the service).
ProjectReader = Annotated[
    Principal, Depends(require_roles(*READERS, Role.contributor, Role.evaluator))
]
