"""This service's metadata: every models module is imported here so alembic sees all tables."""

from sqlalchemy.orm import DeclarativeBase

from shared.db import new_metadata
from shared.platform import PlatformTables


class Base(DeclarativeBase):
    metadata = new_metadata()


platform = PlatformTables.define(Base.metadata, service="assessment")

from assessment_service.assessments import models as _assessments  # noqa: E402,F401
from assessment_service.decisions import models as _decisions  # noqa: E402,F401
from assessment_service.evaluation import models as _evaluation  # noqa: E402,F401
from assessment_service.frameworks import models as _frameworks  # noqa: E402,F401
