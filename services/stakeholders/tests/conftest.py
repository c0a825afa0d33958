from stakeholders_service.db import Base
from stakeholders_service.main import ALEMBIC_INI, create_app
from stakeholders_service.settings import Settings
from shared.testing import service_fixtures

app, clean_database, client = service_fixtures(
    service="stakeholders",
    alembic_ini=ALEMBIC_INI,
    metadata=Base.metadata,
    create_app=create_app,
    settings_factory=Settings,
)
