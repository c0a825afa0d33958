"""Every router of this service, in one list for the app factory."""

from integrations_service.oauth.routes import (
    public_router as oauth_public_router,
    router as oauth_router,
)
from integrations_service.webhooks.routes import router as webhooks_router

routers = [webhooks_router, oauth_router]
# Included without the bearer-token requirement: the token endpoint and its public keys.
public_routers = [oauth_public_router]
