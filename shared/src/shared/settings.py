"""Settings: one pydantic-settings class per process, one environment prefix each.

`ServiceSettings` holds what every service shares; a service subclasses it and sets only its
`env_prefix` (e.g. `PROJECTS_`). Each service exposes `get_settings()` (cached) and uses it as a
FastAPI dependency, so tests override it instead of patching the environment before import.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The development signing key: public, so `environment=production` refuses to start with it.
DEV_JWT_KEY = "cmdi-development-signing-key-not-for-production-use"
DEV_ISSUER = "cmdi-dev"
DEV_AUDIENCE = "cmdi-api"


class BaseProcessSettings(BaseSettings):
    """What every process (services and gateway) reads."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore", frozen=True)

    environment: str = Field("development", description="`development`, `test` or `production`.")
    log_level: str = "INFO"
    log_json: bool = True

    # Authentication: a JWKS URL (OIDC) in production; the shared development key otherwise.
    jwt_issuer: str = DEV_ISSUER
    jwt_audience: str = DEV_AUDIENCE
    jwks_url: str | None = None
    jwks_cache_seconds: int = 300
    jwt_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256", "PS256"])
    dev_jwt_key: SecretStr | None = SecretStr(DEV_JWT_KEY)
    roles_claim: str = Field(
        "roles", description="Dotted path of the roles claim, e.g. `realm_access.roles`."
    )
    jwt_leeway_seconds: int = 30

    max_body_bytes: int = 1_048_576

    # Service-to-service calls: base URL of each upstream, e.g. PROJECTS_SERVICE_URLS__STAKEHOLDERS.
    service_urls: dict[str, str] = Field(default_factory=dict)
    upstream_connect_timeout: float = 2.0
    upstream_read_timeout: float = 10.0
    # Token this process presents to other services; empty means it signs one with the dev key.
    service_token: SecretStr | None = None

    @model_validator(mode="after")
    def _refuse_dev_key_in_production(self) -> BaseProcessSettings:
        if self.environment == "production" and self.jwks_url is None:
            raise ValueError("production needs jwks_url: the development key is public")
        return self


class ServiceSettings(BaseProcessSettings):
    """What a service with its own database reads."""

    database_url: str = "sqlite+aiosqlite:///./var/service.db"
    database_pool_size: int = 5
    sqlite_busy_timeout_ms: int = 5000
    # A read statement runs on the event loop for at most this long, then on a worker thread
    # (shared.sqlite_inline): point reads stay inline, a heavy aggregate stalls nobody.
    sqlite_inline_budget_ms: float = 2.0

    # Change-feed consumers (a service that reacts to another's events).
    consumer_enabled: bool = True
    consumer_poll_seconds: float = 1.0
    consumer_max_backoff_seconds: float = 30.0

    idempotency_ttl_hours: int = 24
    idempotency_lock_seconds: int = 60
