"""Reporting settings: `REPORTING_*` environment variables (upstream URLs, default period)."""

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseProcessSettings


class Settings(BaseProcessSettings):
    """No database: every figure is read from the services that own it."""

    model_config = SettingsConfigDict(
        env_prefix="REPORTING_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    # Upstreams, read with the caller's token. Override with REPORTING_SERVICE_URLS__PROJECTS etc.
    service_urls: dict[str, str] = Field(
        default_factory=lambda: {
            "projects": "http://127.0.0.1:8001",
            "assessment": "http://127.0.0.1:8002",
            "stakeholders": "http://127.0.0.1:8003",
        }
    )
    # An aggregate over a large portfolio takes longer than a point read.
    upstream_read_timeout: float = 20.0
    default_period_days: int = Field(
        91, description="Days before `to` where a report is asked for no `from` (a quarter)."
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()


async def app_settings(request: Request) -> Settings:
    """The settings the running app was built with (tests build apps with their own). `async`,
    as every dependency: FastAPI runs a plain `def` one on its thread pool."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
