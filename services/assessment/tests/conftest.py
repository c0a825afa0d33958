from assessment_service.db import Base
from assessment_service.main import ALEMBIC_INI, create_app
from assessment_service.settings import Settings
from shared.testing import service_fixtures

app, clean_database, client = service_fixtures(
    service="assessment",
    alembic_ini=ALEMBIC_INI,
    metadata=Base.metadata,
    create_app=create_app,
    settings_factory=Settings,
)
