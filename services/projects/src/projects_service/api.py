"""Every router of this service, in one list for the app factory."""

from projects_service.projects.routes import router as projects_router

routers = [projects_router]
