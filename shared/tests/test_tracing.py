"""Tracing (shared.tracing): a request is one trace of server, client and database spans across
apps, recorded in an in-memory exporter; off, nothing of OpenTelemetry's SDK is even imported."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import create_engine, func, select

from shared.app import ServiceSpec, create_service_app
from shared.db import SessionDep, new_metadata
from shared.platform import PlatformTables
from shared.settings import ServiceSettings
from shared.testing import TokenFactory, api_client, empty_database
from shared.tracing import add_trace_ids, tracing_enabled

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"


def probe_router(platform: PlatformTables) -> APIRouter:
    router = APIRouter(prefix="/v1/probe")

    @router.get("/count")
    async def count_events(request: Request, session: SessionDep) -> dict[str, object]:
        count = await session.scalar(select(func.count()).select_from(platform.outbox))
        return {"count": count, "traceparent": request.headers.get("traceparent")}

    @router.get("/relay")
    async def relay(request: Request) -> dict[str, object]:
        response = await request.app.state.clients["beta"].get("/v1/probe/count")
        answer: dict[str, object] = response.json()
        return answer

    return router


def probe_app(name: str, url: str, folder: Path, *, upstream: FastAPI | None = None) -> FastAPI:
    metadata = new_metadata()
    platform = PlatformTables.define(metadata, service=name)
    # The platform tables directly (no migrations): the probe reads its outbox.
    engine = create_engine(url.replace("+aiosqlite", ""))
    metadata.create_all(engine)
    engine.dispose()
    (folder / name / "migrations" / "versions").mkdir(parents=True)
    alembic_ini = folder / name / "alembic.ini"
    alembic_ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    return create_service_app(
        ServiceSpec(
            name=name,
            title=name,
            description="A probe service.",
            settings=ServiceSettings(
                database_url=url,
                log_level="WARNING",
                log_json=False,
                tracing_enabled=True,
                tracing_exporter="none",
                service_urls={"beta": "http://beta"},
            ),
            routers=[probe_router(platform)],
            platform=platform,
            alembic_ini=alembic_ini,
            upstreams=["beta"] if upstream is not None else [],
            transports={"beta": httpx.ASGITransport(app=upstream)} if upstream else {},
        )
    )


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    yield InMemorySpanExporter()
    # The aiohttp client is instrumented process-wide (the gateway's): leave other suites as found.
    AioHttpClientInstrumentor().uninstrument()


@pytest.fixture(scope="module")
async def apps(
    exporter: InMemorySpanExporter, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[FastAPI, FastAPI]]:
    folder = tmp_path_factory.mktemp("tracing")
    async with (
        empty_database("tracing", "alpha") as alpha_url,
        empty_database("tracing", "beta") as beta_url,
    ):
        beta = probe_app("beta", beta_url, folder)
        alpha = probe_app("alpha", alpha_url, folder, upstream=beta)
        for app in (alpha, beta):
            provider: TracerProvider = app.state.tracer_provider
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        try:
            yield alpha, beta
        finally:
            for app in (alpha, beta):
                for client in app.state.clients.values():
                    await client.aclose()
                await app.state.database.dispose()
                app.state.tracer_provider.shutdown()


@pytest.fixture
def spans(exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    exporter.clear()
    yield exporter
    exporter.clear()


def service_of(span: ReadableSpan) -> object:
    return span.resource.attributes["service.name"]


async def test_a_request_is_one_trace_of_server_client_and_database_spans(
    apps: tuple[FastAPI, FastAPI], spans: InMemorySpanExporter, tokens: TokenFactory
) -> None:
    alpha, _ = apps
    async with api_client(alpha, token=tokens("viewer")) as client:
        response = await client.get("/v1/probe/relay")
    assert response.status_code == 200, response.text
    finished = spans.get_finished_spans()

    trace_ids = {span.context.trace_id for span in finished}
    assert len(trace_ids) == 1
    by_name = {(service_of(span), span.name): span for span in finished}
    alpha_server = by_name["alpha", "GET /v1/probe/relay"]
    alpha_client = by_name["alpha", "GET"]
    beta_server = by_name["beta", "GET /v1/probe/count"]
    assert alpha_server.kind == SpanKind.SERVER
    assert alpha_server.parent is None  # nobody called with a traceparent: a new trace
    assert alpha_server.attributes is not None
    assert alpha_server.attributes["http.route"] == "/v1/probe/relay"
    assert alpha_client.kind == SpanKind.CLIENT
    assert alpha_client.parent is not None
    assert alpha_client.parent.span_id == alpha_server.context.span_id
    # In-process the callee runs inside the caller's context, so the ASGI instrumentation makes
    # its span INTERNAL; over a socket it is SERVER (tests/e2e/test_tracing_e2e.py).
    assert beta_server.kind in {SpanKind.INTERNAL, SpanKind.SERVER}
    assert beta_server.name == "GET /v1/probe/count"
    assert beta_server.parent is not None
    assert beta_server.parent.span_id == alpha_client.context.span_id
    # The service saw the client span's own traceparent, not one forwarded from further up.
    trace = format(alpha_server.context.trace_id, "032x")
    client_span = format(alpha_client.context.span_id, "016x")
    flags = format(alpha_client.context.trace_flags, "02x")  # sampled (and random trace id)
    assert alpha_client.context.trace_flags.sampled
    assert response.json() == {"count": 0, "traceparent": f"00-{trace}-{client_span}-{flags}"}

    statements = [
        span for span in finished if service_of(span) == "beta" and span.kind == SpanKind.CLIENT
    ]
    assert statements, "no database span"
    assert all(span.parent is not None for span in statements)
    assert beta_server.context.span_id in {
        span.parent.span_id for span in statements if span.parent
    }
    assert any("outbox_event" in str((s.attributes or {}).get("db.statement")) for s in statements)


async def test_a_callers_traceparent_continues_its_trace(
    apps: tuple[FastAPI, FastAPI], spans: InMemorySpanExporter, tokens: TokenFactory
) -> None:
    _, beta = apps
    async with api_client(beta, token=tokens("viewer")) as client:
        response = await client.get("/v1/probe/count", headers={"traceparent": TRACEPARENT})
    assert response.status_code == 200
    finished = spans.get_finished_spans()
    assert {format(span.context.trace_id, "032x") for span in finished} == {TRACE_ID}
    (server,) = [span for span in finished if span.kind == SpanKind.SERVER]
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == CALLER_SPAN


async def test_an_unsampled_caller_and_work_outside_requests_record_nothing(
    apps: tuple[FastAPI, FastAPI], spans: InMemorySpanExporter, tokens: TokenFactory
) -> None:
    alpha, beta = apps
    # Outside any request (a consumer's poll): no trace starts, in the caller or the callee.
    response = await alpha.state.clients["beta"].get(
        "/v1/probe/count", headers={"Authorization": f"Bearer {tokens('viewer')}"}
    )
    assert response.status_code == 200
    async with api_client(beta, token=tokens("viewer")) as client:
        unsampled = TRACEPARENT[:-2] + "00"
        assert (await client.get("/v1/probe/count", headers={"traceparent": unsampled})).is_success
        # Probes are left out.
        assert (await client.get("/healthz")).status_code == 200
    assert spans.get_finished_spans() == ()


async def test_log_lines_carry_the_trace_and_span_ids(apps: tuple[FastAPI, FastAPI]) -> None:
    alpha, _ = apps
    tracer = alpha.state.tracer_provider.get_tracer("test")
    assert add_trace_ids(None, "info", {"message": "outside"}) == {"message": "outside"}
    with tracer.start_as_current_span("work", kind=SpanKind.SERVER) as span:
        line = add_trace_ids(None, "info", {"message": "inside"})
    context = span.get_span_context()
    assert line == {
        "message": "inside",
        "trace_id": format(context.trace_id, "032x"),
        "span_id": format(context.span_id, "016x"),
    }


def test_the_standard_kill_switch_turns_tracing_off(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = ServiceSettings(tracing_enabled=True)
    assert tracing_enabled(settings)
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert not tracing_enabled(settings)
    assert not tracing_enabled(ServiceSettings())


OFF_PROBE = """
import json, sys
from shared.app import add_outer_middleware, create_process_app
from shared.settings import ServiceSettings
async def ready(request):
    return {}
settings = ServiceSettings(log_level="WARNING")
app = create_process_app(
    name="probe", title="probe", description="", version="1", settings=settings, readiness=ready
)
add_outer_middleware(app, name="probe", settings=settings)
loaded = sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk", "opentelemetry.inst")))
print(json.dumps({"loaded": loaded, "provider": hasattr(app.state, "tracer_provider")}))
"""


def test_off_by_default_and_nothing_is_imported() -> None:
    # A fresh interpreter: this one has loaded the SDK for the tests above.
    result = subprocess.run(
        [sys.executable, "-c", OFF_PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(result.stdout) == {"loaded": [], "provider": False}
