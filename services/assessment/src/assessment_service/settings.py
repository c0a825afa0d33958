from functools import lru_cache

from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ASSESSMENT_", env_nested_delimiter="__", extra="ignore", frozen=True)

    database_url: str = "sqlite+aiosqlite:///./var/assessment.db"


@lru_cache
def get_settings() -> Settings:
    return Settings()
