"""Assessment settings: `ASSESSMENT_*` environment variables (database URL, upstream URLs)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="ASSESSMENT_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    database_url: str = "sqlite+aiosqlite:///./var/assessment.db"
    # Upstreams: projects (developmental evaluation checks the project exists and that a
    # contributor is on its team) and stakeholders (the engagement evidence an assessment
    # snapshots when it is opened). Override with ASSESSMENT_SERVICE_URLS__<NAME>.
    service_urls: dict[str, str] = Field(
        default_factory=lambda: {
            "projects": "http://127.0.0.1:8001",
            "stakeholders": "http://127.0.0.1:8003",
        }
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()
