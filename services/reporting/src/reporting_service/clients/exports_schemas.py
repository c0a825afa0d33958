"""A data-owning service's export dictionary (`GET /v1/exports`) as reporting reads it: the
fields the merged dictionary and the bundle's `datapackage.json` are built from. Fields a
service adds are kept (`PassThrough`) and repeated in the merged dictionary unchanged."""

from __future__ import annotations

from pydantic import Field

from reporting_service.clients.base import PassThrough


class ExportColumn(PassThrough):
    name: str
    type: str = Field(description="A Frictionless Table Schema field type (`string`, ...).")
    format: str | None = None
    enum: list[str] | None = None
    description: str = ""
    required: bool = False


class ExportForeignKey(PassThrough):
    columns: list[str]
    dataset: str
    reference: list[str]


class ExportFilter(PassThrough):
    name: str
    description: str = ""
    enum: list[str] | None = None
    pattern: str | None = None
    many: bool = True


class ExportSupport(PassThrough):
    served: bool
    how: str


class ExportDataset(PassThrough):
    name: str
    title: str = ""
    description: str = ""
    columns: list[ExportColumn]
    primary_key: list[str]
    foreign_keys: list[ExportForeignKey] = Field(default_factory=list)
    roles: list[str]
    filters: list[ExportFilter] = Field(default_factory=list)
    as_of: ExportSupport
    updated_since: ExportSupport
    formats: list[str] = Field(default_factory=list)


class ExportDictionary(PassThrough):
    datasets: list[ExportDataset]
