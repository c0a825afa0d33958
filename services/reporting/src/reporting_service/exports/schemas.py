"""The merged data dictionary (`GET /v1/exports`): every service's datasets, each with the
service that streams it and whether this caller's role may read it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from reporting_service.clients.exports_schemas import ExportDataset


class CatalogDataset(ExportDataset):
    service: str = Field(description="The service that owns and streams this dataset.")
    readable: bool = Field(
        description="Whether this caller's role is among `roles` (a dataset it may not read is "
        "still listed, so an analyst can see what exists and whom to ask)."
    )


class ExportCatalog(BaseModel):
    datasets: list[CatalogDataset] = Field(
        description="Every dataset, grouped by owning service (projects, assessment, "
        "stakeholders), in each service's own order."
    )
