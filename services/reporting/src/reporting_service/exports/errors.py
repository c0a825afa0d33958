"""The exports' problems: one `ProblemError` per rule (shared.problems)."""

from __future__ import annotations

from shared.problems import Forbidden, NotFound


class UnknownDataset(NotFound):
    slug = "unknown-dataset"
    title = "No such export dataset"


class BundleForbidden(Forbidden):
    slug = "bundle-forbidden"
    title = "This caller may read none of the export datasets"
