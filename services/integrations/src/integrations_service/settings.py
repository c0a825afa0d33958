"""Integrations settings: `INTEGRATIONS_*` environment variables, and the running app's."""

from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from integrations_service.oauth.settings import OAuthSettings
from shared.settings import ServiceSettings

# Svix's documented schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
SVIX_SCHEDULE_SECONDS: tuple[float, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
# The feeds the webhooks fan out (one consumer each).
UPSTREAM_FEEDS: tuple[str, ...] = ("projects", "assessment", "stakeholders")


class Settings(ServiceSettings, OAuthSettings):  # OAuthSettings: the INTEGRATIONS_OAUTH_* fields
    model_config = SettingsConfigDict(
        env_prefix="INTEGRATIONS_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    database_url: str = "sqlite+aiosqlite:///./var/integrations.db"
    # Webhook lag starts with the feed poll (issue #13: p99 < 2 s from commit to delivery): at
    # the platform's 1 s a page of a second's events lands at once and drains behind the
    # per-endpoint limit. An idle poll is one cheap keyset read per producer.
    consumer_poll_seconds: float = Field(
        0.25, gt=0, description="Seconds between polls of each service's change feed."
    )
    service_urls: dict[str, str] = Field(
        default_factory=lambda: {
            "projects": "http://127.0.0.1:8001",
            "assessment": "http://127.0.0.1:8002",
            "stakeholders": "http://127.0.0.1:8003",
        }
    )

    # Webhook delivery (issue #13, Standard Webhooks 1.0).
    webhook_worker_enabled: bool = Field(True, description="Run the delivery loop in the app.")
    webhook_retry_schedule_seconds: list[float] = Field(
        default_factory=lambda: list(SVIX_SCHEDULE_SECONDS),
        min_length=1,
        description="Delay before each attempt; the first is the first attempt's (0: at once).",
    )
    webhook_retry_jitter: float = Field(
        0.1, ge=0, le=0.5, description="Each retry delay is scaled by a random 1 ± this."
    )
    webhook_timeout_seconds: float = Field(15.0, gt=0, description="A 2xx within this: success.")
    webhook_disable_after_seconds: float = Field(
        5 * 24 * 3600.0, gt=0, description="An endpoint failing this long is disabled."
    )
    webhook_secret_overlap_seconds: float = Field(
        24 * 3600.0, ge=0, description="After a rotation, the old secret also signs this long."
    )
    webhook_max_in_flight_per_endpoint: int = Field(
        16, ge=1, le=100, description="Concurrent attempts to one endpoint, at most."
    )
    webhook_max_in_flight: int = Field(64, ge=1, le=1000)
    webhook_poll_seconds: float = Field(0.5, gt=0)
    webhook_batch_size: int = Field(100, ge=1, le=1000)
    webhook_lease_seconds: float = Field(
        60.0, gt=0, description="A claimed attempt is another worker's again after this."
    )
    webhook_response_keep_bytes: int = Field(1024, ge=0, le=65536)
    webhook_allowed_networks: list[str] | None = Field(
        None,
        description="Networks a webhook may reach although not public (SSRF allowlist, CIDR). "
        "Default: 127.0.0.1/32 and ::1/128 outside production, none in production.",
    )

    def allowed_networks(self) -> list[str]:
        if self.webhook_allowed_networks is not None:
            return list(self.webhook_allowed_networks)
        return [] if self.environment == "production" else ["127.0.0.1/32", "::1/128"]


@lru_cache
def get_settings() -> Settings:
    return Settings()


async def app_settings(request: Request) -> Settings:
    """The settings the running app was built with (tests build apps with their own). `async`,
    as every dependency: FastAPI runs a plain `def` one on its thread pool."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
