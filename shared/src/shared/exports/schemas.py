"""The data dictionary `GET /v1/exports` answers: every dataset's columns, keys, roles, filters
and how it serves `as_of` and `updated_since`, built from the declarations themselves."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from shared.exports.catalog import Dataset
from shared.exports.formats import ExportFormat


class ColumnInfo(BaseModel):
    name: str
    type: str = Field(description="Frictionless Table Schema type: string, integer, number...")
    format: str | None = Field(None, description="`uuid` for ids.")
    enum: list[str] | None = Field(None, description="The values an enumeration takes.")
    description: str
    required: bool


class ForeignKeyInfo(BaseModel):
    columns: list[str]
    dataset: str
    reference: list[str]


class FilterInfo(BaseModel):
    name: str
    description: str
    enum: list[str] | None = None
    pattern: str | None = None
    many: bool = Field(description="Repeatable: `?name=a&name=b` means either.")


class SupportInfo(BaseModel):
    served: bool
    how: str = Field(description="How it is served, or why it is refused (422).")


class DatasetInfo(BaseModel):
    name: str
    title: str
    description: str
    columns: list[ColumnInfo] = Field(
        description="In file order. With `updated_since`, a last boolean column `deleted`."
    )
    primary_key: list[str]
    foreign_keys: list[ForeignKeyInfo]
    roles: list[str]
    filters: list[FilterInfo]
    as_of: SupportInfo
    updated_since: SupportInfo
    formats: list[str]


class ExportCatalog(BaseModel):
    datasets: list[DatasetInfo]


def dataset_info(dataset: Dataset) -> DatasetInfo:
    return DatasetInfo(
        name=dataset.name,
        title=dataset.title,
        description=dataset.description,
        columns=[
            ColumnInfo(
                name=column.name,
                type=column.type.value,
                format=column.format,
                enum=list(column.enum) if column.enum is not None else None,
                description=column.description,
                required=column.required,
            )
            for column in dataset.columns
        ],
        primary_key=list(dataset.primary_key),
        foreign_keys=[
            ForeignKeyInfo(
                columns=list(key.columns), dataset=key.dataset, reference=list(key.reference)
            )
            for key in dataset.foreign_keys
        ],
        roles=sorted(str(role) for role in dataset.roles),
        filters=[
            FilterInfo(
                name=item.name,
                description=item.description,
                enum=list(item.enum) if item.enum is not None else None,
                pattern=item.pattern,
                many=item.many,
            )
            for item in dataset.filters
        ],
        as_of=SupportInfo(served=dataset.as_of.served, how=dataset.as_of.how),
        updated_since=SupportInfo(
            served=dataset.updated_since.served, how=dataset.updated_since.how
        ),
        formats=[fmt.value for fmt in ExportFormat],
    )


def export_catalog(datasets: Sequence[Dataset]) -> ExportCatalog:
    return ExportCatalog(datasets=[dataset_info(dataset) for dataset in datasets])
