"""The app factory: the one place where middleware, problem handlers, auth, health, feeds,
idempotency, HTTP clients and consumers are wired. A service's `main.py` is a few lines."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from shared.auth import Authenticator, get_principal, service_token
from shared.changes import install_change_capture
from shared.consumer import ChangeFeedConsumer, ConsumerSpec
from shared.coordination import JOB_RUNS, JobRuns
from shared.db import Database
from shared.feeds import feeds_router
from shared.health import ReadinessCheck, database_readiness, health_router, migration_script
from shared.http import ServiceClient
from shared.idempotency import IdempotencyMiddleware
from shared.logging import configure_logging
from shared.middleware import (
    AccessLogMiddleware,
    RequestBodyMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from shared.openapi import install_problem_openapi
from shared.parameters import install_parameter_checks
from shared.platform import PLATFORM_INFO_KEY, PlatformTables
from shared.problems import UnhandledErrorMiddleware, install_problem_handlers
from shared.routing import RouteContractMiddleware
from shared.service_tokens import service_token_provider
from shared.settings import BaseProcessSettings, ServiceSettings
from shared.tracing import install_tracing

logger = structlog.get_logger("shared.app")


def operation_id(route: APIRoute) -> str:
    """Stable operation ids: the route function's name (`list_projects`), unique per service and,
    by the naming rule, across the merged gateway document."""
    return route.name


def make_clients(
    settings: BaseProcessSettings,
    *,
    service: str,
    names: Sequence[str],
    transports: dict[str, Any] | None = None,
) -> dict[str, ServiceClient]:
    clients = {}
    # One token source for all the clients: one cached token, one fetch at a time.
    tokens = service_token_provider(settings, lambda: service_token(settings, service=service))
    for name in names:
        url = settings.service_urls.get(name)
        if url is None:
            raise RuntimeError(f"{service} needs service_urls.{name}: set it in the environment")
        clients[name] = ServiceClient(
            name,
            url,
            connect_timeout=settings.upstream_connect_timeout,
            read_timeout=settings.upstream_read_timeout,
            token_provider=tokens,
            transport=(transports or {}).get(name),
        )
    return clients


@dataclass(frozen=True)
class PeriodicJob:
    """Work a service does on a schedule for its lifetime (e.g. applying retention periods).
    A failed run is logged and retried at the next interval; the job stops with the app.
    In a service with a database the run is claimed in its `job_run` table first, so it runs
    once per interval across all the service's replicas (`shared.coordination.JobRuns`)."""

    name: str
    interval_seconds: float
    run: Callable[[FastAPI], Awaitable[object]]


async def _run_periodically(
    app: FastAPI, job: PeriodicJob, stop: asyncio.Event, runs: JobRuns | None = None
) -> None:
    """Tick until `stop` is set. Without `runs` (a process with no database) every tick runs
    the job. With it, a tick runs the job only if it claims the interval's run, and the next
    tick is when the job is due again: an interval after this run started, or after the run
    another replica started (so whichever replica ticks first after that moment runs it)."""
    service = str(getattr(app.state, "service_name", ""))
    while not stop.is_set():
        wait = job.interval_seconds
        try:
            claim = None if runs is None else await runs.claim(job.name, job.interval_seconds)
        except Exception as exc:  # the database is away: the same as a failed run
            logger.warning("periodic_job_claim_failed", job=job.name, error=str(exc))
        else:
            if claim is None or claim.claimed:
                outcome = "ok"
                try:
                    await job.run(app)
                except Exception as exc:
                    outcome = "failed"
                    logger.warning("periodic_job_failed", job=job.name, error=str(exc))
                JOB_RUNS.labels(service, job.name, outcome).inc()
                if runs is not None and claim is not None:
                    try:
                        await runs.finish(claim, outcome=outcome)
                    except Exception as exc:  # only the record is lost; the claim still holds
                        logger.warning("periodic_job_record_failed", job=job.name, error=str(exc))
            if claim is not None:
                wait = claim.seconds_until_due()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    settings: ServiceSettings
    routers: Sequence[APIRouter]
    platform: PlatformTables
    alembic_ini: Path
    upstreams: Sequence[str] = ()
    consumers: Sequence[ConsumerSpec] = ()
    jobs: Sequence[PeriodicJob] = ()
    version: str = "0.1.0"
    # Tests pass in-process transports (httpx.ASGITransport) for upstreams.
    transports: dict[str, Any] = field(default_factory=dict)


def include_flat(app: FastAPI, router: APIRouter, *, dependencies: Sequence[Any]) -> None:
    """`app.include_router(router, dependencies=...)`, but with the routes added to the app's own
    router, as FastAPI did before 0.12x: an included router is now a nested candidate that
    matches its own routes, then again to handle the request, each with scope bookkeeping; a
    request for the last router's routes paid ~85 µs of matching (bench/RESULTS.md). Each
    route already carries its router's prefix, tags, responses and dependencies. A router that
    includes routers itself is included as FastAPI does it."""
    if not all(isinstance(route, APIRoute) for route in router.routes):
        app.include_router(router, dependencies=dependencies)
        return
    for route in router.routes:
        assert isinstance(route, APIRoute)
        app.router.add_api_route(
            route.path,
            route.endpoint,
            response_model=route.response_model,
            status_code=route.status_code,
            tags=route.tags,
            dependencies=[*dependencies, *route.dependencies],
            summary=route.summary,
            description=route.description,
            response_description=route.response_description,
            responses=route.responses,
            deprecated=route.deprecated,
            methods=route.methods,
            operation_id=route.operation_id,
            response_model_include=route.response_model_include,
            response_model_exclude=route.response_model_exclude,
            response_model_by_alias=route.response_model_by_alias,
            response_model_exclude_unset=route.response_model_exclude_unset,
            response_model_exclude_defaults=route.response_model_exclude_defaults,
            response_model_exclude_none=route.response_model_exclude_none,
            include_in_schema=route.include_in_schema,
            response_class=route.response_class,
            name=route.name,
            callbacks=route.callbacks,
            openapi_extra=route.openapi_extra,
            generate_unique_id_function=route.generate_unique_id_function,
        )


def _freezing_the_startup_heap(lifespan: Any) -> Any:
    """`lifespan`, then `gc.freeze()` once the process has started.

    The collector's full pass walks every tracked object, and a started process holds about
    200,000 (modules, the app, its routes, schemas and compiled statements): 70-170 ms during
    which the loop answers nothing. Requests that allocate much (a heavy read) bring full passes
    on sooner, and a GET's p99 beside one on PostgreSQL was 150 ms against 17 ms idle
    (bench/RESULTS.md, item 2). Frozen, those objects are never walked again; what the requests
    allocate is still collected. A `gc.collect()` first, so no startup garbage is kept forever.
    Once per process: a test process starts many apps, and freezing again would keep each
    test's garbage for good."""

    @asynccontextmanager
    async def frozen(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app) if lifespan is not None else contextlib.nullcontext():
            if gc.get_freeze_count() == 0:
                gc.collect()
                gc.freeze()
            yield

    return frozen


def create_process_app(
    *,
    name: str,
    title: str,
    description: str,
    version: str,
    settings: BaseProcessSettings,
    readiness: ReadinessCheck,
    lifespan: Any = None,
) -> FastAPI:
    """The FastAPI app every process shares: logging, problems, auth, health, middleware."""
    configure_logging(service=name, level=settings.log_level, json=settings.log_json)
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        generate_unique_id_function=operation_id,
        lifespan=_freezing_the_startup_heap(lifespan),
    )
    app.state.settings = settings
    app.state.service_name = name
    app.state.authenticator = Authenticator(settings)
    install_problem_handlers(app)
    install_parameter_checks(app)  # before any router is included: it applies to their routes
    include_flat(app, health_router(readiness), dependencies=[])
    install_problem_openapi(app)
    return app


def add_outer_middleware(app: FastAPI, *, name: str, settings: BaseProcessSettings) -> None:
    """Installed last so they run first: request id, access log, security headers, body checks."""
    app.add_middleware(RequestBodyMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(AccessLogMiddleware, service=name)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(UnhandledErrorMiddleware)  # outermost: a 500 keeps the connection open
    # Last: it wraps the whole stack and instruments the clients and database the app now holds.
    install_tracing(app, service=name, settings=settings)


def create_service_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    install_change_capture()
    database = Database.connect(
        settings.database_url,
        info={PLATFORM_INFO_KEY: spec.platform},
        pool_size=settings.database_pool_size,
        busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        inline_budget_ms=settings.sqlite_inline_budget_ms,
    )
    clients = make_clients(
        settings, service=spec.name, names=spec.upstreams, transports=spec.transports
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = []
        if settings.consumer_enabled:
            for consumer in app.state.consumers.values():
                tasks.append(
                    asyncio.create_task(consumer.run(stop), name=f"consumer:{consumer.producer}")
                )
        # A service switches a job off by leaving it out of its spec (e.g. RETENTION_ENABLED).
        runs = JobRuns(app.state.database, spec.platform.job_run)
        for job in spec.jobs:
            tasks.append(
                asyncio.create_task(_run_periodically(app, job, stop, runs), name=f"job:{job.name}")
            )
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for client in app.state.clients.values():
                await client.aclose()
            await app.state.database.dispose()

    app = create_process_app(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        version=spec.version,
        settings=settings,
        readiness=database_readiness(migration_script(spec.alembic_ini)),
        lifespan=lifespan,
    )
    app.state.database = database
    app.state.platform = spec.platform
    app.state.clients = clients
    app.state.consumers = {
        consumer.producer: ChangeFeedConsumer(
            spec=consumer,
            client=clients[consumer.producer],
            database=database,
            poll_seconds=settings.consumer_poll_seconds,
            max_backoff_seconds=settings.consumer_max_backoff_seconds,
        )
        for consumer in spec.consumers
    }
    # Every /v1 route needs a principal with a known role, checked before the route's own
    # dependencies (a loader's 404, body validation): a token that may do nothing learns nothing.
    # FastAPI caches it per request, so the route's own `PrincipalDep` reuses this one.
    authenticated = [Depends(get_principal)]
    include_flat(app, feeds_router(), dependencies=authenticated)
    for router in spec.routers:
        include_flat(app, router, dependencies=authenticated)

    app.add_middleware(
        IdempotencyMiddleware,
        database=database,
        tables=spec.platform,
        authenticator=app.state.authenticator,
        ttl=dt.timedelta(hours=settings.idempotency_ttl_hours),
        lock=dt.timedelta(seconds=settings.idempotency_lock_seconds),
    )
    # Outside idempotency (a 404/405 stores nothing), inside the request id and access log.
    app.add_middleware(RouteContractMiddleware, fastapi_app=app)
    add_outer_middleware(app, name=spec.name, settings=settings)
    return app
