"""`GET /api/v1/audit` and `GET /api/v1/audit/export`: every service's audit trail as one.

The same merge as the change feed (gateway.merge) over each service's `GET /v1/audit/trail`:
oldest first, each service's entries in its own order, one opaque cursor carrying every
service's position. Admin only: checked here (the gateway verifies the token for this route)
and again by each service, which is sent the caller's own token. Entries are passed on exactly
as the services stored them, so personal values stay redacted as they are there.

The export streams the same merged trail as NDJSON (one entry per line, for a SIEM), one merged
page in memory at a time. An error before the first line is a problem; a service failing
mid-stream cuts the connection, so a SIEM sees a broken transfer, never a complete-looking
short one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from gateway.merge import MergedPage, Merger, Params
from gateway.proxy import Upstreams
from gateway.routes_table import SERVICES
from shared.auth import Principal, bearer_token, require_roles
from shared.feeds import AuditTrailEntry
from shared.pagination import DEFAULT_LIMIT, MAX_LIMIT
from shared.problems import problem_responses
from shared.types import UtcDateTime

NDJSON = "application/x-ndjson"
EXPORT_PAGE = MAX_LIMIT

Admin = Annotated[Principal, Depends(require_roles())]  # no role but admin passes


class PlatformAuditTrail(BaseModel):
    items: list[AuditTrailEntry]
    next_cursor: str = Field(description="Where to resume: pass it as `after` on the next read.")
    has_more: bool = Field(description="True when more entries are ready now.")


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class AuditFilters:
    """The filters both routes take, passed on to every service as they were checked here."""

    params: Params


async def audit_filters(
    entity_type: Annotated[str | None, Query(max_length=80)] = None,
    entity_id: Annotated[str | None, Query(max_length=64)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=40)] = None,
    from_: Annotated[
        UtcDateTime | None,
        Query(alias="from", description="Only entries written at or after this instant."),
    ] = None,
    to: Annotated[
        UtcDateTime | None, Query(description="Only entries written before this instant.")
    ] = None,
) -> AuditFilters:
    params: list[tuple[str, str]] = [
        (name, value)
        for name, value in (
            ("entity_type", entity_type),
            ("entity_id", entity_id),
            ("actor", actor),
            ("action", action),
        )
        if value is not None
    ]
    if from_ is not None:
        params.append(("from", _instant(from_)))
    if to is not None:
        params.append(("to", _instant(to)))
    return AuditFilters(params)


Filters = Annotated[AuditFilters, Depends(audit_filters)]


def _lines(page: MergedPage) -> bytes:
    return b"".join(orjson.dumps(item) + b"\n" for item in page.items)


def audit_router(services: tuple[str, ...] = SERVICES) -> APIRouter:
    """The routes, merging `services`: those of routes_table.FEEDS this gateway has URLs for."""
    router = APIRouter(prefix="/api/v1", tags=["audit"])
    merger = Merger("/v1/audit/trail", services)

    @router.get(
        "/audit",
        operation_id="list_platform_audit_entries",
        response_model=PlatformAuditTrail,
        responses=problem_responses(401, 403, 422, 429, 500, 502, 503, 504),
    )
    async def list_platform_audit_entries(
        request: Request,
        _: Admin,
        filters: Filters,
        after: Annotated[
            str | None, Query(max_length=500, description="Cursor from `next_cursor`.")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ) -> Response:
        """Every service's audit trail as one: who changed what, when, and what it was before;
        oldest first, resumable with `after`. Personal values are redacted as each service
        stores them. Role: `admin`."""
        upstreams: Upstreams = request.app.state.upstreams
        merged = await merger.page(
            upstreams,
            authorization=f"Bearer {bearer_token(request)}",
            positions=merger.positions(after),
            limit=limit,
            params=filters.params,
        )
        return Response(merged.json_bytes(), media_type="application/json")

    @router.get(
        "/audit/export",
        operation_id="export_platform_audit_entries",
        response_class=StreamingResponse,
        responses={
            200: {
                "description": "One audit entry (`AuditTrailEntry`) per line, oldest first.",
                "content": {NDJSON: {"schema": {"type": "string"}}},
            },
            **problem_responses(401, 403, 422, 429, 500, 502, 503, 504),
        },
    )
    async def export_platform_audit_entries(
        request: Request, _: Admin, filters: Filters
    ) -> StreamingResponse:
        """The merged audit trail (with the filters of `GET /api/v1/audit`) as NDJSON for a
        SIEM, streamed to its end. For incremental pulls, page `GET /api/v1/audit` with its
        cursor instead. Role: `admin`."""
        upstreams: Upstreams = request.app.state.upstreams
        pages = merger.walk(
            upstreams,
            authorization=f"Bearer {bearer_token(request)}",
            positions=merger.positions(None),
            limit=EXPORT_PAGE,
            params=filters.params,
        )
        # The first page before the response starts: a refused token or a service down is a
        # problem, not a 200 with an empty body.
        first = await anext(pages)

        async def body() -> AsyncIterator[bytes]:
            try:
                yield _lines(first)
                async for page in pages:
                    yield _lines(page)
            finally:
                await pages.aclose()

        return StreamingResponse(
            body(),
            media_type=NDJSON,
            headers={"Content-Disposition": 'attachment; filename="audit.ndjson"'},
        )

    return router
