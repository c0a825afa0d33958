"""Stakeholders settings: `STAKEHOLDERS_*` environment variables, and the running app's."""

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings
from stakeholders_service.equality.characteristics import ALL

# Retention periods per record type, in days (aligned with the Trust's records retention
# schedule; override with STAKEHOLDERS_RETENTION_DAYS__<TYPE>=<days>).
DEFAULT_RETENTION_DAYS: dict[str, int] = {
    # An inactive stakeholder untouched this long is erased (tombstoned).
    "inactive_stakeholder": 6 * 365,
    # Anonymous, per-engagement equality monitoring responses.
    "equality_response": 3 * 365,
    # Consent records that were withdrawn or expired this long ago.
    "ended_consent": 6 * 365,
    # Closed data subject requests (completed or refused).
    "closed_data_subject_request": 3 * 365,
}


# Locally defined PLUS / under-served groups (Core20PLUS5): stakeholder `under_served_group_codes`
# counted by the PLUS reach report. Context-specific, so a deployment replaces the list with
# STAKEHOLDERS_PLUS_GROUPS='{"code": "label", ...}'.
DEFAULT_PLUS_GROUPS: dict[str, str] = {
    "ethnic_minority": "Ethnic minority communities",
    "inclusion_health": "Inclusion health groups",
    "learning_disability_autism": "People with a learning disability and autistic people",
    "coastal_rural": "Coastal and rural communities",
    "carers": "Unpaid carers",
}


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="STAKEHOLDERS_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    database_url: str = "sqlite+aiosqlite:///./var/stakeholders.db"
    service_urls: dict[str, str] = Field(
        default_factory=lambda: {"projects": "http://127.0.0.1:8001"}
    )
    mendelow_threshold: int = Field(
        3, ge=1, le=5, description="Power/interest at or above this (on 1-5) count as high."
    )
    retention_days: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_RETENTION_DAYS))
    retention_enabled: bool = Field(True, description="Run the retention task in the background.")
    retention_interval_seconds: float = 24 * 3600.0
    equality_characteristics: list[str] | None = Field(
        None,
        description="Equality monitoring items switched on (names from "
        "`equality.characteristics.ALL`); unset means all eleven.",
    )
    plus_groups: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PLUS_GROUPS))

    @field_validator("equality_characteristics")
    @classmethod
    def _known_characteristics(cls, names: list[str] | None) -> list[str] | None:
        unknown = sorted(set(names or ()) - set(ALL))
        if unknown:
            raise ValueError(f"unknown equality characteristics: {', '.join(unknown)}")
        return names


@lru_cache
def get_settings() -> Settings:
    return Settings()


async def app_settings(request: Request) -> Settings:
    """The settings the running app was built with (tests build apps with their own). `async`,
    as every dependency: FastAPI runs a plain `def` one on its thread pool."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
