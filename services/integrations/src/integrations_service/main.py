"""Entry point: `uvicorn integrations_service.main:create_app --factory`."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from fastapi import FastAPI

from integrations_service.api import public_routers, routers
from integrations_service.db import platform
from integrations_service.oauth.keys import trust_own_key
from integrations_service.settings import UPSTREAM_FEEDS, Settings, get_settings
from integrations_service.webhooks.delivery import DeliveryWorker
from integrations_service.webhooks.feeds import consumers
from shared.app import ServiceSpec, create_service_app, include_flat

ALEMBIC_INI = Path(__file__).resolve().parents[2] / "alembic.ini"


def create_app(
    settings: Settings | None = None, *, transports: dict[str, object] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    app = create_service_app(
        ServiceSpec(
            name="integrations",
            title="CMDI integrations service",
            description="Signed webhooks and machine clients (OAuth 2.0 client credentials).",
            settings=settings,
            routers=routers,
            platform=platform,
            alembic_ini=ALEMBIC_INI,
            upstreams=UPSTREAM_FEEDS,
            consumers=consumers(UPSTREAM_FEEDS),
            transports=dict(transports or {}),
        )
    )
    for public in public_routers:  # the OAuth token endpoint and its keys: no bearer token
        include_flat(app, public, dependencies=[])
    trust_own_key(app.state.authenticator, settings)
    app.state.webhook_worker = DeliveryWorker(app.state.database, settings)
    _run_worker_with_app(app, enabled=settings.webhook_worker_enabled)
    return app


def _run_worker_with_app(app: FastAPI, *, enabled: bool) -> None:
    """The delivery loop runs inside the shared lifespan (stopped before the database is
    disposed). Tests leave it off and drive `app.state.webhook_worker` themselves."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        async with inner(application):
            worker: DeliveryWorker = application.state.webhook_worker
            stop = asyncio.Event()
            task = (
                asyncio.create_task(worker.run(stop), name="webhooks:delivery") if enabled else None
            )
            try:
                yield
            finally:
                stop.set()
                if task is not None:
                    with suppress(TimeoutError, asyncio.CancelledError):
                        await asyncio.wait_for(task, timeout=5)
                await worker.aclose()

    app.router.lifespan_context = lifespan
