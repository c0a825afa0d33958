"""Aggregates settings: `PROJECTS_AGGREGATES_*` environment variables (the key-person flag)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AggregateSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PROJECTS_AGGREGATES_", extra="ignore", frozen=True
    )

    # A person leading more than this share of the projects that have a lead is flagged.
    key_person_share_threshold: float = Field(0.25, ge=0, le=1)


@lru_cache
def _aggregate_settings() -> AggregateSettings:
    return AggregateSettings()


async def get_aggregate_settings() -> AggregateSettings:
    """`async`, as every dependency: FastAPI runs a plain `def` one on its thread pool."""
    return _aggregate_settings()
