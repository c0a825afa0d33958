from projects_service.db import Base
from projects_service.main import ALEMBIC_INI, create_app
from projects_service.settings import Settings
from shared.testing import service_fixtures

app, clean_database, client = service_fixtures(
    service="projects",
    alembic_ini=ALEMBIC_INI,
    metadata=Base.metadata,
    create_app=create_app,
    settings_factory=Settings,
)
