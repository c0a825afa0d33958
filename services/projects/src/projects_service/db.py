"""This service's metadata: every models module is imported here so alembic sees all tables."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.platform import PlatformTables


class Base(DeclarativeBase):
    metadata = new_metadata()


platform = PlatformTables.define(Base.metadata, service="projects")

from projects_service.benefits import models as _benefits  # noqa: E402,F401
from projects_service.journals import models as _journals  # noqa: E402,F401
from projects_service.milestones import models as _milestones  # noqa: E402,F401
from projects_service.nhs_record import models as _nhs_record  # noqa: E402,F401
from projects_service.outcome_maps import models as _outcome_maps  # noqa: E402,F401
from projects_service.projects import models as _projects  # noqa: E402,F401
from projects_service.team import models as _team  # noqa: E402,F401
