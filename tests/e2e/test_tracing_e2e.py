"""End to end: with tracing on, one gateway request is one trace across real processes.

The platform runs as `make run` starts it (`scripts.processes.Stack`), every process with
`<PREFIX>TRACING_ENABLED=true` and the standard `OTEL_EXPORTER_OTLP_ENDPOINT` pointing at a small
OTLP/HTTP receiver this test serves on 127.0.0.1, which decodes what the processes' exporters send
(`ExportTraceServiceRequest`, protobuf). A request through the gateway carrying our own
`traceparent` must come back as spans of that one trace from every process it crossed (each
process's resource `service.name`), chained parent to child, with database spans from the services.
"""

from __future__ import annotations

import asyncio
import gzip
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as ProtoSpan
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scripts.processes import ALL_PROCESSES, Stack, allocate_ports
from scripts.services import SERVICES
from shared.testing import (
    TokenFactory,
    test_database as migrated_database,  # not collected as a test
)
from shared.testing.servers import bound_socket, serving

pytestmark = pytest.mark.e2e

READY_TIMEOUT = 30.0
# Exporters send a batch every 100 ms here (OTEL_BSP_SCHEDULE_DELAY); wait at most this long.
ARRIVAL_TIMEOUT = 15.0


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int
    attributes: dict[str, str]


class OtlpReceiver:
    """`POST /v1/traces` as an OpenTelemetry collector answers it, keeping every span."""

    def __init__(self) -> None:
        self.spans: list[ReceivedSpan] = []
        self.app = Starlette(routes=[Route("/v1/traces", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        body = await request.body()
        if request.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        export = ExportTraceServiceRequest()
        export.ParseFromString(body)
        for resource_spans in export.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.spans.append(
                        ReceivedSpan(
                            service=resource.get("service.name", ""),
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            name=span.name,
                            kind=span.kind,
                            attributes={a.key: a.value.string_value for a in span.attributes},
                        )
                    )
        return Response(
            ExportTraceServiceResponse().SerializeToString(),
            media_type="application/x-protobuf",
        )

    def trace(self, trace_id: str) -> list[ReceivedSpan]:
        return [span for span in self.spans if span.trace_id == trace_id]

    async def wait_for(self, trace_id: str, services: set[str]) -> list[ReceivedSpan]:
        """The trace's spans once every one of `services` has sent its server span (a process
        exports its spans when they end: the server span last)."""
        deadline = time.monotonic() + ARRIVAL_TIMEOUT
        while True:
            spans = self.trace(trace_id)
            served = {span.service for span in spans if span.kind == ProtoSpan.SPAN_KIND_SERVER}
            if services <= served or time.monotonic() > deadline:
                # One more batch interval, for spans of the same trace still on their way.
                await asyncio.sleep(0.3)
                return self.trace(trace_id)
            await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[tuple[OtlpReceiver, str]]:
    otlp = OtlpReceiver()
    sock = bound_socket()
    async with serving(otlp.app, sock) as url:
        yield otlp, url


@pytest.fixture(scope="module")
async def traced_stack(receiver: tuple[OtlpReceiver, str]) -> AsyncIterator[Stack]:
    _, endpoint = receiver
    env = {f"{process.env_prefix}TRACING_ENABLED": "true" for process in ALL_PROCESSES}
    env |= {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "OTEL_TRACES_EXPORTER": "otlp",
    }
    # Whatever the developer's shell says, these processes trace with the default sampler.
    env |= dict.fromkeys(("OTEL_SDK_DISABLED", "OTEL_TRACES_SAMPLER", "OTEL_SERVICE_NAME"), "")
    async with AsyncExitStack() as exit_stack:
        urls = {
            service.name: await exit_stack.enter_async_context(
                migrated_database(f"e2e_tracing_{service.name}", service.alembic_ini)
            )
            for service in SERVICES
        }
        platform = Stack(ports=allocate_ports(), database_urls=urls, env=env)
        try:
            platform.start()
            await asyncio.to_thread(platform.wait_ready, READY_TIMEOUT)
            yield platform
        finally:
            await asyncio.to_thread(platform.stop, 10.0)


def new_traceparent() -> tuple[str, str]:
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


async def traced_get(
    stack: Stack, tokens: TokenFactory, path: str, traceparent: str
) -> httpx.Response:
    async with httpx.AsyncClient(
        base_url=f"{stack.gateway_url}/api/v1", timeout=20.0, trust_env=False
    ) as client:
        return await client.get(
            path,
            headers={**tokens.headers("governance", sub="e2e-tracer"), "traceparent": traceparent},
        )


def assert_one_chained_trace(spans: list[ReceivedSpan], traceparent: str) -> None:
    """Every span's parent is a span of the trace, except the gateway's server span, whose
    parent is the caller's span from `traceparent`."""
    ids = {span.span_id for span in spans}
    caller = traceparent.split("-")[2]
    (root,) = [span for span in spans if span.parent_span_id == caller]
    assert (root.service, root.kind) == ("gateway", ProtoSpan.SPAN_KIND_SERVER)
    orphans = [span for span in spans if span is not root and span.parent_span_id not in ids]
    assert orphans == []
    # Each service's server span is the child of a client span of the process that called it.
    by_id = {span.span_id: span for span in spans}
    for span in spans:
        if span.kind == ProtoSpan.SPAN_KIND_SERVER and span is not root:
            parent = by_id[span.parent_span_id]
            assert parent.kind == ProtoSpan.SPAN_KIND_CLIENT
            assert parent.service != span.service


def database_spans(spans: list[ReceivedSpan], service: str) -> list[ReceivedSpan]:
    return [span for span in spans if span.service == service and "db.system" in span.attributes]


async def test_a_proxied_request_is_one_trace_from_gateway_to_database(
    traced_stack: Stack, receiver: tuple[OtlpReceiver, str], tokens: TokenFactory
) -> None:
    otlp, _ = receiver
    trace_id, traceparent = new_traceparent()
    response = await traced_get(traced_stack, tokens, "/projects?limit=1", traceparent)
    assert response.status_code == 200, response.text

    spans = await otlp.wait_for(trace_id, {"gateway", "projects"})
    assert {span.service for span in spans} == {"gateway", "projects"}
    assert_one_chained_trace(spans, traceparent)
    (served,) = [
        s for s in spans if s.service == "projects" and s.kind == ProtoSpan.SPAN_KIND_SERVER
    ]
    assert served.name == "GET /v1/projects"
    statements = database_spans(spans, "projects")
    assert statements, [span.name for span in spans]
    assert {span.parent_span_id for span in statements} == {served.span_id}


async def test_a_composed_report_is_one_trace_across_reporting_and_the_services(
    traced_stack: Stack, receiver: tuple[OtlpReceiver, str], tokens: TokenFactory
) -> None:
    otlp, _ = receiver
    trace_id, traceparent = new_traceparent()
    response = await traced_get(traced_stack, tokens, "/reports/portfolio", traceparent)
    assert response.status_code == 200, response.text

    crossed = {"gateway", "reporting", "projects", "assessment", "stakeholders"}
    spans = await otlp.wait_for(trace_id, crossed)
    assert {span.service for span in spans} == crossed
    assert_one_chained_trace(spans, traceparent)
    for service in ("projects", "assessment", "stakeholders"):
        assert database_spans(spans, service), f"no database span from {service}"
    # Nothing of this trace came from a process it did not cross.
    assert "integrations" not in {span.service for span in spans}


async def test_background_work_starts_no_trace(
    traced_stack: Stack, receiver: tuple[OtlpReceiver, str]
) -> None:
    """The consumers poll each other's feeds every second and the gateway's readiness fans out,
    all outside any request: none of it is recorded, so every span belongs to a request's trace
    whose root is a server span."""
    otlp, _ = receiver
    await asyncio.sleep(2.0)  # two polling rounds of every consumer
    roots = [span for span in otlp.spans if span.parent_span_id == ""]
    assert all(span.kind == ProtoSpan.SPAN_KIND_SERVER for span in roots), roots
    assert not [span for span in otlp.spans if span.name.endswith("/v1/events")]
