"""Gateway settings: `GATEWAY_*` environment variables (e.g. `GATEWAY_SERVICE_URLS__PROJECTS`)."""

from __future__ import annotations

from functools import lru_cache

import limits
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.settings import BaseProcessSettings


def _default_service_urls() -> dict[str, str]:
    # The `make run` ports (docs/conventions.md, Operations).
    return {
        "projects": "http://127.0.0.1:8001",
        "assessment": "http://127.0.0.1:8002",
        "stakeholders": "http://127.0.0.1:8003",
        "reporting": "http://127.0.0.1:8004",
        "integrations": "http://127.0.0.1:8005",
    }


def _default_rate_limits() -> dict[str, str]:
    # Per client and per minute, generous enough that one person's browser, a reporting job or
    # the test suites and the Schemathesis gate (one token each) never meet them; an integration
    # that floods is stopped. Exports and the token endpoint are the expensive or guessable ones.
    return {"default": "20000/minute", "exports": "3000/minute", "oauth": "300/minute"}


class Settings(BaseProcessSettings):
    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    service_urls: dict[str, str] = Field(default_factory=_default_service_urls)
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API; empty sends no CORS headers at all.",
    )

    # Proxy (the hot path). Connecting to a local service takes milliseconds, so a short connect
    # timeout turns a dead service into a quick 503 instead of a hung caller.
    proxy_connect_timeout: float = Field(2.0, description="Seconds to open a connection upstream.")
    proxy_pool_timeout: float = Field(
        5.0, description="Seconds to wait for a pooled connection (includes connecting); then 503."
    )
    proxy_read_timeout: float = Field(
        30.0, description="Seconds without a byte from the upstream before answering 504."
    )
    proxy_pool_limit: int = Field(200, description="Open connections per upstream service.")
    # Below uvicorn's 5 s keep-alive, so the gateway drops an idle connection before the service
    # does and never writes a request onto a socket the service is closing.
    proxy_keepalive_seconds: float = 4.0
    # Responses up to this size (with a Content-Length) are read whole and sent in one message;
    # larger or unsized ones are streamed chunk by chunk.
    proxy_buffer_bytes: int = 65_536

    readiness_requires_services: bool = Field(
        True,
        description=(
            "Whether `/readyz` waits for every service's. True suits one machine (`make run`, "
            "tests: ready means the platform answers). Behind a load balancer with replicas "
            "(Kubernetes) set false: a service's outage is then a 503 on its own routes, not "
            "every gateway replica leaving the ingress."
        ),
    )
    # Aggregates: the services' /readyz and /openapi.json.
    aggregate_timeout: float = Field(
        2.0, description="Seconds each service has to answer `/readyz`."
    )
    openapi_timeout: float = Field(
        10.0,
        description="Seconds each service has to answer `/openapi.json` (built on first call).",
    )
    openapi_cache_seconds: float = Field(30.0, description="How long the merged OpenAPI is reused.")

    # Rate limits (gateway.ratelimit).
    rate_limits: dict[str, str] = Field(
        default_factory=_default_rate_limits,
        description=(
            "Per client, by route group: `default`, or a collection under `/api/v1/` (e.g."
            " `exports`, `oauth`, `events`) that gets its own limit; values in the `limits`"
            " library's notation (`600/minute`, `10/second`)."
        ),
    )
    rate_limit_storage: str = Field(
        "memory://",
        description=(
            "`memory://` (one gateway process) or `redis://host:port/db` (shared by every"
            " gateway process)."
        ),
    )
    rate_limit_key_prefix: str = Field(
        "cmdi-gateway", description="Prefix of the counters' keys in the storage."
    )

    @field_validator("rate_limits")
    @classmethod
    def _limits_parse(cls, value: dict[str, str]) -> dict[str, str]:
        if "default" not in value:
            raise ValueError("rate_limits needs a `default` limit")
        for group, limit in value.items():
            try:
                items = limits.parse_many(limit)
            except ValueError as exc:
                raise ValueError(f"rate_limits[{group!r}]: {exc}") from exc
            if len(items) != 1:
                raise ValueError(f"rate_limits[{group!r}]: one limit per group")
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _storage_scheme(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://", "rediss://")):
            raise ValueError("rate_limit_storage is memory:// or redis://host:port/db")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
