"""The filters every dataset of this service takes and who may export what. `directorate` and
`stage` take one value each here: the projects list resolves them (`scope.resolve_projects`,
one call per export) and filters by one directorate and one stage per call."""

from __future__ import annotations

import dataclasses

from shared.auth import Role
from shared.exports import DIRECTORATE, PROJECT_ID, STAGE
from shared.exports.catalog import Filter

PROJECT_FILTERS: tuple[Filter, ...] = (
    PROJECT_ID,
    dataclasses.replace(
        DIRECTORATE,
        description="Only rows of projects in this directorate (exact name), as it is now.",
        many=False,
    ),
    dataclasses.replace(STAGE, description="Only rows of projects now in this stage.", many=False),
)

# Who lists assessments and decisions portfolio-wide (every staff role reads them); not
# `contributor`, whose reads are per project.
PORTFOLIO_READERS = frozenset({Role.admin, Role.governance, Role.reporter, Role.viewer})
# The developmental evaluation's records: the same, and the evaluators who write them.
EVALUATION_READERS = PORTFOLIO_READERS | {Role.evaluator}
