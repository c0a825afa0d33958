"""Every router of this service, in one list for the app factory."""

from assessment_service.frameworks.routes import router as frameworks_router

routers = [frameworks_router]
