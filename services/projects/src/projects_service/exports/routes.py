"""Exports: `GET /v1/exports` (this service's data dictionary) and one route per dataset, by
the shared router; the project filters are applied by each dataset's query (a subquery on
`project`), so no scope resolver is needed."""

from projects_service.exports.datasets import DATASETS
from shared.exports import exports_router

router = exports_router(DATASETS, scope=None)
