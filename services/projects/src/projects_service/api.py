"""Every router of this service, in one list for the app factory. Routes with fixed names
under the collection (`/v1/projects/key-people`, ...) come before `/v1/projects/{project_id}`."""

from projects_service.aggregates.routes import router as aggregates_router
from projects_service.benefits.routes import (
    portfolio_router as benefits_portfolio_router,
    router as benefits_router,
)
from projects_service.exports.routes import router as exports_router
from projects_service.insights.routes import (
    portfolio_router as insights_portfolio_router,
    router as insights_router,
)
from projects_service.journals.routes import routers as journal_routers
from projects_service.milestones.routes import (
    catalogue_router as milestone_catalogue_router,
    router as milestones_router,
)
from projects_service.nhs_record.routes import router as nhs_record_router
from projects_service.outcome_maps.routes import router as outcome_maps_router
from projects_service.projects.routes import router as projects_router
from projects_service.team.routes import router as team_router

routers = [
    aggregates_router,
    milestone_catalogue_router,
    benefits_portfolio_router,
    insights_portfolio_router,
    nhs_record_router,
    projects_router,
    team_router,
    milestones_router,
    benefits_router,
    outcome_maps_router,
    *journal_routers,
    insights_router,
    exports_router,
]
