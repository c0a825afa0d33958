"""Entry point: `uvicorn gateway.main:create_app --factory` (127.0.0.1:8000 under `make run`).

The gateway owns no data. It serves the public API at `/api/v1/...` by proxying each collection
to its service (gateway.proxy), and aggregates what spans services: `/readyz`, the change feed
and the audit trail (gateway.events, gateway.audit), and the OpenAPI document at
`/api/openapi.json` with Swagger UI at `/api/docs`, and the events' AsyncAPI document at
`/api/asyncapi.json` (gateway.asyncapi). Tokens are verified by each service, never
only here; the gateway verifies one only to count it against its subject's rate limit
(gateway.ratelimit; a verified token is cached) and for its own admin-only audit routes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.middleware.cors import CORSMiddleware

from gateway.asyncapi import AsyncAPIAggregator, asyncapi_router
from gateway.audit import audit_router
from gateway.events import events_router
from gateway.openapi import OpenAPIAggregator
from gateway.proxy import Proxy, ProxyMiddleware, Upstreams
from gateway.ratelimit import RateLimiter, RateLimitMiddleware
from gateway.routes_table import FEEDS, SERVICES, UPSTREAMS
from gateway.settings import Settings, get_settings
from shared.app import add_outer_middleware, create_process_app, make_clients
from shared.health import ReadinessCheck
from shared.http import ServiceClient
from shared.problems import ProblemError

VERSION = "0.1.0"
OPENAPI_URL = "/api/openapi.json"

CORS_REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "X-Request-ID",
]
CORS_EXPOSED_HEADERS = [
    "ETag",
    "Location",
    "Link",
    "X-Request-ID",
    "Retry-After",
    "RateLimit",
    "RateLimit-Policy",
]


def services_readiness(clients: Mapping[str, ServiceClient], *, timeout: float) -> ReadinessCheck:
    """The gateway is ready when every service says it is (each asked at once, `timeout` each)."""

    async def check_one(client: ServiceClient) -> str:
        try:
            async with asyncio.timeout(timeout):
                response = await client.get("/readyz")
        except TimeoutError:
            return "timeout"
        except ProblemError as exc:  # the shared client's 502/503/504 problems
            return "unreachable" if exc.status == 503 else f"error ({exc.status})"
        return "ok" if response.status_code == 200 else f"not_ready ({response.status_code})"

    async def readiness(_: Request) -> dict[str, str]:
        names = list(clients)
        results = await asyncio.gather(*(check_one(clients[name]) for name in names))
        return dict(zip(names, results, strict=True))

    return readiness


async def own_readiness(_: Request) -> dict[str, str]:
    """Ready once started: the gateway holds no state, and each route's service answers for
    itself (a 503 problem when it is down)."""
    return {"gateway": "ok"}


def docs_router(aggregator: OpenAPIAggregator) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get(OPENAPI_URL)
    async def get_api_openapi() -> dict[str, Any]:
        return await aggregator.document()

    @router.get("/api/docs", response_class=HTMLResponse)
    async def get_api_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=OPENAPI_URL, title="CMDI API")

    return router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    missing = [name for name in SERVICES if name not in settings.service_urls]
    if missing:
        raise RuntimeError(f"gateway needs service_urls for {', '.join(missing)}")

    # Typed internal calls (readiness, OpenAPI). They are best-effort aggregates answered at
    # once, so one attempt each: a probe or a browser retries on its own schedule. The
    # reporting service is optional (routes_table.UPSTREAMS): included when it has a URL.
    names = [name for name in UPSTREAMS if name in settings.service_urls]
    clients = make_clients(settings, service="gateway", names=names)
    for client in clients.values():
        client.attempts = 1
    upstreams = Upstreams(settings)
    aggregator = OpenAPIAggregator(
        clients,
        ttl=settings.openapi_cache_seconds,
        timeout=settings.openapi_timeout,
        version=VERSION,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await upstreams.aclose()
            for client in clients.values():
                await client.aclose()

    app = create_process_app(
        name="gateway",
        title="CMDI API gateway",
        description="The gateway's own routes. The public API is documented at /api/docs.",
        version=VERSION,
        settings=settings,
        readiness=(
            services_readiness(clients, timeout=settings.aggregate_timeout)
            if settings.readiness_requires_services
            else own_readiness
        ),
        lifespan=lifespan,
    )
    app.state.upstreams = upstreams
    app.state.clients = clients
    app.state.openapi = aggregator
    aggregator.local = app.openapi
    app.include_router(docs_router(aggregator))
    # The events' contract (AsyncAPI 3.0), merged from the feed services' catalogs.
    app.state.asyncapi = AsyncAPIAggregator(
        clients,
        ttl=settings.openapi_cache_seconds,
        timeout=settings.openapi_timeout,
        version=VERSION,
    )
    app.include_router(asyncapi_router(app.state.asyncapi))
    # The integrations service's feed and trail are merged when it has a URL, like its routes.
    feeds = tuple(name for name in FEEDS if name in settings.service_urls)
    app.include_router(events_router(feeds))
    app.include_router(audit_router(feeds))

    # Added first, so it sits inside the shared middleware that add_outer_middleware installs.
    app.add_middleware(
        ProxyMiddleware, proxy=Proxy(upstreams, buffer_bytes=settings.proxy_buffer_bytes)
    )
    # Around the proxy and the gateway's own routes alike, inside the request id and access log.
    limiter = RateLimiter(settings, app.state.authenticator)
    app.state.rate_limiter = limiter
    app.add_middleware(RateLimitMiddleware, limiter=limiter)
    add_outer_middleware(app, name="gateway", settings=settings)
    if settings.cors_origins:
        # Outermost, so preflights are answered before body checks and every error carries the
        # CORS headers a browser needs to let the frontend read it. Bearer tokens, no cookies:
        # credentials stay off.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=600,
        )
    return app
