"""Every router of this service, in one list for the app factory."""

from integrations_service.webhooks.routes import router as webhooks_router

routers = [webhooks_router]
