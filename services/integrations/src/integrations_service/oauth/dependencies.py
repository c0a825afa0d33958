"""Machine clients: the path-parameter dependency that loads one or answers 404, and the
admin-only guard of the client routes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from integrations_service.oauth import repository
from integrations_service.oauth.errors import ClientNotFound
from integrations_service.oauth.models import OAuthClient
from shared.auth import Principal, require_roles
from shared.db import SessionDep


async def get_client_or_404(client_id: uuid.UUID, session: SessionDep) -> OAuthClient:
    client = await repository.get(session, client_id)
    if client is None:
        raise ClientNotFound(f"No machine client with id {client_id}.")
    return client


ClientDep = Annotated[OAuthClient, Depends(get_client_or_404)]
# `require_roles()` with no role admits admins only. One callable, so a route that names `Admin`
# under a router guarded by `admin_only` checks the role once (FastAPI caches it per request).
admin_only = require_roles()
Admin = Annotated[Principal, Depends(admin_only)]
