"""The exports reporting composes: the merged data dictionary, the bundle, and the 404 for a
dataset name nobody exports (the gateway sends every known dataset to its owner)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from reporting_service.clients.exports import ExportsClientsDep
from reporting_service.errors import (
    AsOfInFuture,
    InvalidFilter,
    ReportUpstreamUnavailable,
    query_error,
)
from reporting_service.exports import service
from reporting_service.exports.bundle import ZIP_MEDIA_TYPE, BundleResponse, bundle_chunks
from reporting_service.exports.errors import BundleForbidden, UnknownDataset
from reporting_service.exports.schemas import ExportCatalog
from shared.auth import PrincipalDep
from shared.db import utcnow
from shared.parameters import AnyQueryParameters
from shared.problems import problem_responses
from shared.types import UtcDateTime

router = APIRouter(prefix="/v1/exports", tags=["exports"])


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


@router.get(
    "",
    response_model=ExportCatalog,
    responses=problem_responses(ReportUpstreamUnavailable),
)
async def list_export_datasets(
    principal: PrincipalDep, clients: ExportsClientsDep
) -> ExportCatalog:
    """The data dictionary: every dataset of every service, with its columns (name, type,
    format, enumeration, description), primary and foreign keys, filters, how `as_of` and
    `updated_since` are served, the formats, the roles that may read it and the service that
    streams it (`GET /api/v1/exports/{dataset}`). Datasets this caller's role may not read are
    listed too, marked `readable: false`. One call to each service, made at once."""
    return await service.catalog(clients, principal)


@router.get(
    "/bundle.zip",
    response_class=BundleResponse,
    responses={
        200: {
            "description": "A zip: `datapackage.json`, then one CSV per dataset.",
            "content": {ZIP_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        **problem_responses(
            AsOfInFuture, InvalidFilter, BundleForbidden, ReportUpstreamUnavailable
        ),
    },
)
async def get_export_bundle(
    principal: PrincipalDep,
    clients: ExportsClientsDep,
    as_of: Annotated[
        UtcDateTime | None,
        Query(description="Every dataset as it stood at this moment (default: now)."),
    ] = None,
    project_id: Annotated[
        list[uuid.UUID] | None, Query(description="Only these projects' rows (repeatable).")
    ] = None,
    directorate: Annotated[
        list[Annotated[str, Query(max_length=120)]] | None,
        Query(description="Only these directorates' projects' rows (repeatable)."),
    ] = None,
    stage: Annotated[
        list[Annotated[str, Query(max_length=40)]] | None,
        Query(description="Only rows of projects now in these stages (repeatable)."),
    ] = None,
) -> BundleResponse:
    """Every dataset this caller may read, as CSV, in one zip streamed as it is written, with a
    Frictionless Data Package (`datapackage.json`, first in the zip): a resource per file with
    its Table Schema (types, formats, enumerations, primary and foreign keys), so `frictionless
    validate`, pandas, R or Power BI load it typed. With `as_of` every dataset is asked for
    that moment; a dataset that cannot honour `as_of`, or does not take a filter given, is left
    out and listed under `cmdi:omitted` with the reason (so are the datasets this caller's role
    may not read). If a service fails after the zip has started, the response is cut off
    without the zip's central directory (the HTTP body lacks its final chunk): a truncated
    bundle never looks whole."""
    now = utcnow()
    if as_of is not None and as_of > now:
        raise AsOfInFuture(
            "A bundle describes the past: `as_of` must not be after now.",
            errors=query_error("as_of", "After now."),
        )
    found = await service.catalog(clients, principal)
    plan = service.plan_bundle(
        found,
        principal,
        as_of=as_of,
        filters={
            "project_id": [str(value) for value in project_id or ()],
            "directorate": list(directorate or ()),
            "stage": list(stage or ()),
        },
        snapshot_at=now,
    )
    headers = {
        "Content-Disposition": f'attachment; filename="cmdi_bundle_{_stamp(as_of or now)}.zip"',
        "Cache-Control": "no-store",
    }
    if as_of is not None:
        headers["Export-As-Of"] = service.instant(as_of)
    return BundleResponse(
        bundle_chunks(plan, {client.name: client for client in clients}), headers=headers
    )


@router.get(
    "/{dataset}",
    response_class=Response,
    # An unknown name is a 404 whatever the query says (a job's `?format=csv` included): the
    # parameters belong to a dataset that does not exist, so there is nothing to check them by.
    dependencies=[AnyQueryParameters],
    responses={
        200: {
            "description": "Never from here: the gateway sends a dataset's name to the service "
            "that owns it, so what reaches this route is a 404.",
        },
        **problem_responses(UnknownDataset),
    },
)
async def get_unknown_export_dataset(dataset: str) -> Response:
    """Every dataset is streamed by the service that owns it (`GET /api/v1/exports` lists
    them); a name that reaches reporting is one nobody exports."""
    raise UnknownDataset("There is no export dataset of that name; `GET /v1/exports` lists them.")
