from integrations_service.db import Base
from integrations_service.settings import get_settings
from shared.migrations import run_env

run_env(metadata=Base.metadata, default_url=get_settings().database_url)
