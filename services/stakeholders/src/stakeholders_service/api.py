"""Every router of this service, in one list for the app factory."""

from stakeholders_service.organisations.routes import router as organisations_router

routers = [organisations_router]
