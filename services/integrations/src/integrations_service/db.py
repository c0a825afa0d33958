"""This service's metadata: every models module is imported here so alembic sees all tables."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.platform import PlatformTables


class Base(DeclarativeBase):
    metadata = new_metadata()


platform = PlatformTables.define(Base.metadata, service="integrations")

from integrations_service.oauth import models as _oauth  # noqa: E402,F401
from integrations_service.webhooks import models as _webhooks  # noqa: E402,F401
