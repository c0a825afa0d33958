"""Exports (#12): the assessment service's datasets, streamed by `shared.exports`.

`DATASETS` is what `api.py` mounts with `shared.exports.exports_router(DATASETS, scope=...)`;
`scope.resolve_projects` turns `directorate` / `stage` into project ids with one call to the
projects service."""

from assessment_service.exports.assessments import (
    ASSESSMENT_RESULTS,
    ASSESSMENTS,
    CRITERION_RATINGS,
)
from assessment_service.exports.decisions import DECISION_CONDITIONS, DECISIONS
from assessment_service.exports.evaluation import ADAPTATIONS, FINDINGS, LEARNING_LOG
from shared.exports.catalog import Dataset

DATASETS: tuple[Dataset, ...] = (
    ASSESSMENTS,
    CRITERION_RATINGS,
    ASSESSMENT_RESULTS,
    DECISIONS,
    DECISION_CONDITIONS,
    LEARNING_LOG,
    FINDINGS,
    ADAPTATIONS,
)

__all__ = ["DATASETS"]
