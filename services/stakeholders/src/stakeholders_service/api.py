"""Every router of this service, in one list for the app factory.

Order matters: routes with fixed segments under `/v1/stakeholders` (`/map`, `/trends`,
`/data-subject-requests`, `/retention-runs`) come before `/v1/stakeholders/{stakeholder_id}`.
"""

from shared.exports import exports_router
from stakeholders_service.aggregates.routes import router as aggregates_router
from stakeholders_service.engagements.routes import router as engagements_router
from stakeholders_service.exports import DATASETS, export_extras, resolve_scope
from stakeholders_service.involvement.routes import router as involvement_router
from stakeholders_service.mapping.routes import router as mapping_router
from stakeholders_service.organisations.routes import router as organisations_router
from stakeholders_service.privacy.routes import router as privacy_router
from stakeholders_service.stakeholders.routes import router as stakeholders_router

routers = [
    organisations_router,
    mapping_router,
    privacy_router,
    stakeholders_router,
    engagements_router,
    involvement_router,
    aggregates_router,
    exports_router(DATASETS, scope=resolve_scope, extras=export_extras),
]
