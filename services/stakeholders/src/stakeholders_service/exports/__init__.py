"""The stakeholders service's export datasets (issue #12): `DATASETS`, served by
`shared.exports.exports_router(DATASETS, scope=resolve_scope, extras=export_extras)` from
`api.py`."""

from stakeholders_service.exports.datasets import DATASETS
from stakeholders_service.exports.scope import export_extras, resolve_scope

__all__ = ["DATASETS", "export_extras", "resolve_scope"]
