"""The exports' rules: the merged dictionary (the three services asked at once) and which
datasets a bundle holds for this caller and query, and why the others are left out."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reporting_service.clients.exports import ExportsClient
from reporting_service.errors import InvalidFilter, query_error
from reporting_service.exports.errors import BundleForbidden
from reporting_service.exports.schemas import CatalogDataset, ExportCatalog
from shared.auth import Principal
from shared.problems import FieldError


def readable(principal: Principal, roles: Sequence[str]) -> bool:
    return principal.has_any(*roles)


async def catalog(clients: Sequence[ExportsClient], principal: Principal) -> ExportCatalog:
    """Every service's dictionary, asked concurrently with the caller's token. A service that
    cannot answer fails the whole dictionary (503 naming it): a partial one would read as
    "these are all the datasets"."""
    dictionaries = await asyncio.gather(*(client.dictionary() for client in clients))
    datasets = [
        CatalogDataset.model_validate(
            {
                **dataset.model_dump(),
                "service": client.name,
                "readable": readable(principal, dataset.roles),
            }
        )
        for client, dictionary in zip(clients, dictionaries, strict=True)
        for dataset in dictionary.datasets
    ]
    return ExportCatalog(datasets=datasets)


@dataclass(frozen=True)
class Omission:
    """A dataset a bundle leaves out, listed in its `datapackage.json` under `cmdi:omitted`."""

    name: str
    service: str
    reason: str


@dataclass(frozen=True)
class BundlePlan:
    members: tuple[CatalogDataset, ...]
    omitted: tuple[Omission, ...]
    # What each member is asked with: `format=csv` is the client's; these are the query's.
    params: tuple[tuple[str, str], ...]
    as_of: dt.datetime | None
    snapshot_at: dt.datetime


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _check_filters(found: ExportCatalog, given: Mapping[str, Sequence[str]]) -> None:
    """A value no dataset could take is a 422 now, not a bundle cut off at its first file: each
    filter is checked as the datasets declaring it declare it (enumeration, pattern)."""
    errors: list[FieldError] = []
    for name, values in given.items():
        declared = next((f for d in found.datasets for f in d.filters if f.name == name), None)
        if declared is None:
            continue
        for value in values:
            if declared.enum is not None and value not in declared.enum:
                errors += query_error(name, f"Not one of: {', '.join(declared.enum)}.")
            elif declared.pattern is not None and not re.fullmatch(declared.pattern, value):
                errors += query_error(name, "Not in the expected form.")
    if errors:
        raise InvalidFilter("A filter value is not one the datasets take.", errors=errors)


def plan_bundle(
    found: ExportCatalog,
    principal: Principal,
    *,
    as_of: dt.datetime | None,
    filters: Mapping[str, Sequence[str]],
    snapshot_at: dt.datetime,
) -> BundlePlan:
    """Which datasets go in: those this caller's role may read, that honour `as_of` when it is
    asked for, and that take every filter given (a dataset that cannot be filtered as asked is
    left out rather than exported unfiltered). Each omission says why."""
    given = {name: tuple(values) for name, values in filters.items() if values}
    _check_filters(found, given)
    members: list[CatalogDataset] = []
    omitted: list[Omission] = []
    for dataset in found.datasets:
        declared = {f.name for f in dataset.filters}
        missing = sorted(given.keys() - declared)
        if not dataset.readable:
            reason = f"This caller's role may not read it (roles: {', '.join(dataset.roles)})."
        elif as_of is not None and not dataset.as_of.served:
            reason = f"It does not honour `as_of`: {dataset.as_of.how}"
        elif missing:
            reason = f"It does not take the filter(s) {', '.join(missing)}."
        else:
            members.append(dataset)
            continue
        omitted.append(Omission(dataset.name, dataset.service, reason))
    if not any(dataset.readable for dataset in found.datasets):
        raise BundleForbidden(
            "This caller's role may read none of the export datasets; `GET /v1/exports` lists "
            "each dataset's roles."
        )
    params = [(name, value) for name, values in given.items() for value in values]
    if as_of is not None:
        params.append(("as_of", instant(as_of)))
    return BundlePlan(
        members=tuple(members),
        omitted=tuple(omitted),
        params=tuple(params),
        as_of=as_of,
        snapshot_at=snapshot_at,
    )
