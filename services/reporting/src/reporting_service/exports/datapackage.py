"""The bundle's `datapackage.json`: a Frictionless Data Package (v1, tabular) with one resource
per CSV file and its Table Schema (field types, formats, enum and required constraints, primary
and foreign keys), built from the dictionary alone so it can be the zip's first member.

Left out datasets are listed under the custom key `cmdi:omitted` (name, service, reason). A
foreign key to a dataset that is not in the bundle is dropped from the schema (Frictionless
would fail the package for a reference to a missing resource); `cmdi:omitted` names it.
"""

from __future__ import annotations

from typing import Any

from reporting_service.clients.exports_schemas import ExportColumn
from reporting_service.exports.schemas import CatalogDataset
from reporting_service.exports.service import BundlePlan, instant

PROFILE = "tabular-data-package"


def member_path(dataset: str) -> str:
    return f"{dataset}.csv"


def field_of(column: ExportColumn) -> dict[str, Any]:
    found: dict[str, Any] = {"name": column.name, "type": column.type}
    if column.format:
        found["format"] = column.format
    if column.description:
        found["description"] = column.description
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    if constraints:
        found["constraints"] = constraints
    return found


def schema_of(dataset: CatalogDataset, present: set[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "fields": [field_of(column) for column in dataset.columns],
        # The writers leave an absent value empty (the CSV's null).
        "missingValues": [""],
    }
    if dataset.primary_key:
        schema["primaryKey"] = list(dataset.primary_key)
    foreign_keys = [
        {
            "fields": list(key.columns),
            "reference": {"resource": key.dataset, "fields": list(key.reference)},
        }
        for key in dataset.foreign_keys
        if key.dataset in present
    ]
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def datapackage(plan: BundlePlan) -> dict[str, Any]:
    present = {dataset.name for dataset in plan.members}
    resources = [
        {
            "name": dataset.name,
            "path": member_path(dataset.name),
            "profile": "tabular-data-resource",
            "title": dataset.title or dataset.name,
            "description": dataset.description,
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
            "schema": schema_of(dataset, present),
            "cmdi:service": dataset.service,
        }
        for dataset in plan.members
    ]
    package: dict[str, Any] = {
        "profile": PROFILE,
        "name": "cmdi-bundle",
        "title": "CMDI export bundle",
        "created": instant(plan.snapshot_at),
        "resources": resources,
        "cmdi:as_of": instant(plan.as_of) if plan.as_of is not None else None,
        "cmdi:query": [list(pair) for pair in plan.params],
        "cmdi:omitted": [
            {"name": o.name, "service": o.service, "reason": o.reason} for o in plan.omitted
        ],
    }
    return package
