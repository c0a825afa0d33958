"""Every router of this service, in one list for the app factory."""

from assessment_service.aggregates.routes import router as aggregates_router
from assessment_service.assessments.routes import router as assessments_router
from assessment_service.decisions.routes import router as decisions_router
from assessment_service.evaluation.routes import router as evaluation_router
from assessment_service.exports import DATASETS
from assessment_service.exports.scope import resolve_projects
from assessment_service.frameworks.routes import router as frameworks_router
from shared.exports import exports_router

routers = [
    frameworks_router,
    assessments_router,
    decisions_router,
    evaluation_router,
    aggregates_router,
    exports_router(DATASETS, scope=resolve_projects),
]
