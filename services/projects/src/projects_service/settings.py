"""Projects settings: `PROJECTS_*` environment variables (database URL, upstream URLs)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="PROJECTS_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    database_url: str = "sqlite+aiosqlite:///./var/projects.db"
    reference_prefix: str = "CMDI"
    # Upstreams: assessment (decision and adaptation events), stakeholders (reference checks,
    # erasure events). Override with PROJECTS_SERVICE_URLS__ASSESSMENT etc.
    service_urls: dict[str, str] = Field(
        default_factory=lambda: {
            "assessment": "http://127.0.0.1:8002",
            "stakeholders": "http://127.0.0.1:8003",
        }
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


async def settings_dependency() -> Settings:
    """`get_settings` for routes: `async`, as every dependency (FastAPI runs a plain `def` one
    on its thread pool)."""
    return get_settings()
