"""This service's metadata: every models module is imported here so alembic sees all tables."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.platform import PlatformTables


class Base(DeclarativeBase):
    metadata = new_metadata()


platform = PlatformTables.define(Base.metadata, service="stakeholders")

from stakeholders_service.engagements import models as _engagements  # noqa: E402,F401
from stakeholders_service.equality import models as _equality  # noqa: E402,F401
from stakeholders_service.involvement import models as _involvement  # noqa: E402,F401
from stakeholders_service.mapping import models as _mapping  # noqa: E402,F401
from stakeholders_service.organisations import models as _organisations  # noqa: E402,F401
from stakeholders_service.populations import models as _populations  # noqa: E402,F401
from stakeholders_service.privacy import models as _privacy  # noqa: E402,F401
from stakeholders_service.stakeholders import models as _stakeholders  # noqa: E402,F401
