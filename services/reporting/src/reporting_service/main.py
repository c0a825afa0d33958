"""Entry point: `uvicorn reporting_service.main:create_app --factory` (127.0.0.1:8004).

The reporting service owns no data, so it has no database, migrations, change feed or
idempotency store: it is `shared.app.create_process_app` (logging, problems, auth, health,
parameter checks) with the routing contract, the shared outer middleware and one
`ServiceClient` per upstream. Every `/v1` route needs a principal with a known role, checked
before the route's own dependencies, as in every service (`shared.app.create_service_app`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request

from reporting_service.api import routers
from reporting_service.clients import UPSTREAMS
from reporting_service.settings import Settings, get_settings
from shared.app import add_outer_middleware, create_process_app, make_clients
from shared.auth import get_principal
from shared.routing import RouteContractMiddleware

VERSION = "0.1.0"


async def _ready(_: Request) -> dict[str, str]:
    # Ready as soon as it serves: a report asks its upstreams per request, and answers a failing
    # one with a 503 naming it (or a partial report), so an upstream's health is not ours.
    return {"process": "ok"}


def create_app(
    settings: Settings | None = None, *, transports: dict[str, Any] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    clients = make_clients(
        settings, service="reporting", names=UPSTREAMS, transports=dict(transports or {})
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for client in app.state.clients.values():
                await client.aclose()

    app = create_process_app(
        name="reporting",
        title="CMDI reporting service",
        description="Reports composed from the other services: the portfolio, decision "
        "evidence packs, board packs and project dossiers.",
        version=VERSION,
        settings=settings,
        readiness=_ready,
        lifespan=lifespan,
    )
    app.state.clients = clients
    for router in routers:
        app.include_router(router, dependencies=[Depends(get_principal)])
    app.add_middleware(RouteContractMiddleware, fastapi_app=app)
    add_outer_middleware(app, name="reporting", settings=settings)
    return app
