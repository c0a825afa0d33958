"""OpenTelemetry tracing, off by default: one request is one trace across processes and databases.

`install_tracing(app, ...)` is called by the app factory (`shared.app.add_outer_middleware`) for
every process. While `tracing_enabled` is off (or `OTEL_SDK_DISABLED=true`) it returns at once and
imports nothing from OpenTelemetry's SDK or instrumentations, so an untraced process pays nothing.
On, it gives the app its own `TracerProvider` (resource `service.name`: the process's name, or
`OTEL_SERVICE_NAME`), kept at `app.state.tracer_provider`, and instruments:

- the app itself (the FastAPI/ASGI instrumentation, outermost, so a span covers every middleware;
  the probes `/healthz`, `/readyz` and `/metrics` are left out, or what
  `OTEL_PYTHON_FASTAPI_EXCLUDED_URLS` lists);
- the `ServiceClient`s it holds (`app.state.clients`, the httpx instrumentation per client), so a
  call to another service is a client span whose W3C `traceparent` replaces the one forwarded
  from the caller: the next process's server span is its child;
- the aiohttp client (the gateway's proxy and merged feeds), instrumented process-wide since its
  sessions are opened on first use; no service other than the gateway opens one;
- its database engines (`app.state.database`: writer and SQLite reader), each statement a span.

Only requests start traces (the default sampler): a call or statement outside any request, such
as a consumer polling a feed or the gateway's readiness fan-out, is not recorded unless
`OTEL_TRACES_SAMPLER` says otherwise. Spans leave through the OTLP/HTTP exporter in batches
(`OTEL_BSP_SCHEDULE_DELAY`, default 5 s); `tracing_exporter=none` records without exporting (tests
add their own processor to the app's provider).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import structlog
    from fastapi import FastAPI
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import Sampler, SamplingResult
    from opentelemetry.trace import Link, SpanKind
    from opentelemetry.util.types import Attributes
    from sqlalchemy.ext.asyncio import AsyncEngine

    from shared.settings import BaseProcessSettings

__all__ = ["add_trace_ids", "install_tracing", "tracing_enabled"]

# Probes are polled every few seconds by an orchestrator: a trace each would drown the real ones.
DEFAULT_EXCLUDED_URLS = "/healthz$,/readyz$,/metrics$"


def tracing_enabled(settings: BaseProcessSettings) -> bool:
    """Whether this process traces: `tracing_enabled`, unless the standard kill switch is set."""
    disabled = os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
    return settings.tracing_enabled and not disabled


def install_tracing(app: FastAPI, *, service: str, settings: BaseProcessSettings) -> None:
    """Trace `app` and what it holds (see the module docstring); a no-op while tracing is off.
    Call it once the app holds its clients and database (`app.state.clients`, `.database`)."""
    if not tracing_enabled(settings):
        return
    provider = _tracer_provider(service, settings.tracing_exporter)
    app.state.tracer_provider = provider

    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=os.environ.get("OTEL_PYTHON_FASTAPI_EXCLUDED_URLS", DEFAULT_EXCLUDED_URLS),
        # A span per ASGI message sent or received would triple the spans and say nothing new.
        exclude_spans=["receive", "send"],
    )
    _instrument_clients(getattr(app.state, "clients", {}), provider)
    _instrument_aiohttp(provider)
    database = getattr(app.state, "database", None)
    if database is not None:
        engines = [database.engine]
        if database.read_engine is not None:
            engines.append(database.read_engine)
        _instrument_engines(engines, provider)


def add_trace_ids(
    _: Any, __: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    """structlog processor: `trace_id` and `span_id` (hex, as a tracing backend shows them) of the
    span a log line is written in, so a line and its trace find each other. Without a recording
    span, or before any tracing was installed, it adds nothing and imports nothing."""
    from sys import modules

    trace = modules.get("opentelemetry.trace")
    if trace is None or "opentelemetry.sdk.trace" not in modules:
        return event_dict
    context = trace.get_current_span().get_span_context()
    if context.is_valid and context.trace_flags.sampled:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


def _tracer_provider(service: str, exporter: str) -> TracerProvider:
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

    # Resource.create also merges OTEL_RESOURCE_ATTRIBUTES (e.g. deployment.environment).
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or service})
    # sampler=None: the SDK reads OTEL_TRACES_SAMPLER itself.
    sampler = None if os.environ.get("OTEL_TRACES_SAMPLER") else _requests_only_sampler()
    provider = TracerProvider(resource=resource, sampler=sampler)
    span_exporter: SpanExporter | None = None
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        span_exporter = OTLPSpanExporter()  # endpoint, headers, timeout: OTEL_EXPORTER_OTLP_*
    elif exporter == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        span_exporter = ConsoleSpanExporter()
    if span_exporter is not None:
        # A background thread exports; a request never waits for the collector.
        provider.add_span_processor(BatchSpanProcessor(span_exporter))
    return provider


def _requests_only_sampler() -> Sampler:
    """Parent-based: a span follows its parent's decision; a root span is recorded only when it
    is a request this process serves (SERVER), never a call or statement made outside one."""
    from opentelemetry.sdk.trace.sampling import (
        ALWAYS_ON,
        Decision,
        ParentBased,
        Sampler as BaseSampler,
        SamplingResult,
    )
    from opentelemetry.trace import SpanKind

    class RequestRoots(BaseSampler):
        def should_sample(
            self,
            parent_context: Context | None,
            trace_id: int,
            name: str,
            kind: SpanKind | None = None,
            attributes: Attributes = None,
            links: Sequence[Link] | None = None,
            trace_state: Any = None,
        ) -> SamplingResult:
            if kind is SpanKind.SERVER:
                return ALWAYS_ON.should_sample(
                    parent_context, trace_id, name, kind, attributes, links, trace_state
                )
            return SamplingResult(Decision.DROP)

        def get_description(self) -> str:
            return "RequestRoots"

    return ParentBased(root=RequestRoots())


def _instrument_clients(clients: Mapping[str, Any], provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    for client in clients.values():
        # Per client, not process-wide: a webhook delivery to a third party carries no trace.
        HTTPXClientInstrumentor.instrument_client(client.httpx_client, tracer_provider=provider)


def _instrument_aiohttp(provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor

    instrumentor = AioHttpClientInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument(tracer_provider=provider)


def _instrument_engines(engines: Sequence[AsyncEngine], provider: TracerProvider) -> None:
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__
    from opentelemetry.metrics import NoOpMeterProvider

    # The engine's own event listeners, as `SQLAlchemyInstrumentor().instrument(engine=...)`
    # registers them, without that instrumentor's process-wide patches of `create_engine`
    # (which would trace every later engine with this app's provider) or its once-per-process
    # rule (which would leave a second app's engine untraced).
    instrumentation = "opentelemetry.instrumentation.sqlalchemy"
    tracer = provider.get_tracer(instrumentation, __version__)
    connections = (
        NoOpMeterProvider()
        .get_meter(instrumentation, __version__)
        .create_up_down_counter("db.client.connections.usage")
    )
    for engine in engines:
        # Statements run on the sync engine under the async one (greenlets sharing the
        # request's context), so their spans are children of the request's span.
        EngineTracer(tracer, engine.sync_engine, connections)  # type: ignore[no-untyped-call]
