from shared.migrations import run_env
from stakeholders_service.db import Base
from stakeholders_service.settings import get_settings

run_env(metadata=Base.metadata, default_url=get_settings().database_url)
