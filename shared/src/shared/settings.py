"""Settings: one pydantic-settings class per process, one environment prefix each.

`ServiceSettings` holds what every service shares; a service subclasses it and sets only its
`env_prefix` (e.g. `PROJECTS_`). Each service exposes `get_settings()` (cached) and uses it as a
FastAPI dependency, so tests override it instead of patching the environment before import.

Tokens are trusted from a list of issuers (`trusted_issuers`, each with its JWKS, audience and
roles claim). Left empty, the list is today's single issuer (`jwt_issuer`, `jwks_url`,
`jwt_audience`, `roles_claim`) and, outside production, the integrations service's own OAuth
issuer (`cmdi-integrations`, its JWKS at `service_urls.integrations` or the `make run` port), so a
machine client's token works on every service without configuration.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The development signing key: public, so `environment=production` refuses to start with it.
DEV_JWT_KEY = "cmdi-development-signing-key-not-for-production-use"
DEV_ISSUER = "cmdi-dev"
DEV_AUDIENCE = "cmdi-api"
# The integrations service's OAuth token endpoint signs as this issuer (ES256, keys in its JWKS).
INTEGRATIONS_ISSUER = "cmdi-integrations"
INTEGRATIONS_DEFAULT_URL = "http://127.0.0.1:8005"
INTEGRATIONS_JWKS_PATH = "/v1/oauth/jwks.json"


class TrustedIssuer(BaseModel):
    """One issuer whose tokens this process accepts: where its keys are, which audience its
    tokens must name, where their roles are."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: str = Field(min_length=1)
    jwks_url: str | None = Field(
        None, description="The issuer's JWKS; None: the shared development key (HS256)."
    )
    audience: str = Field(DEV_AUDIENCE, min_length=1)
    roles_claim: str = Field("roles", description="Dotted path, e.g. `realm_access.roles`.")
    algorithms: list[str] | None = Field(
        None, description="Accepted `alg`s; None: `jwt_algorithms` (JWKS) or HS256 (dev key)."
    )


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
    trusted_issuers: list[TrustedIssuer] = Field(
        default_factory=list,
        description=(
            "JSON list of {issuer, jwks_url, audience, roles_claim}; empty: the `jwt_*` issuer"
            " and, outside production, the integrations service's issuer."
        ),
    )

    max_body_bytes: int = 1_048_576

    # Service-to-service calls: base URL of each upstream, e.g. PROJECTS_SERVICE_URLS__STAKEHOLDERS.
    service_urls: dict[str, str] = Field(default_factory=dict)
    upstream_connect_timeout: float = 2.0
    upstream_read_timeout: float = 10.0
    # Token this process presents to other services: a static one (`service_token`), or one
    # renewed by the client-credentials flow (`service_token_url`, `service_client_id`,
    # `service_client_secret`: shared.service_tokens); neither: signed with the dev key.
    service_token: SecretStr | None = None
    service_token_url: str | None = Field(
        None,
        description="Client-credentials token endpoint (the identity provider's, or the"
        " integrations service's `/v1/oauth/token`); set with the client id and secret.",
    )
    service_client_id: str | None = None
    service_client_secret: SecretStr | None = None
    service_token_scope: str | None = Field(
        None, description="`scope` of the token request, e.g. Entra ID's `api://<app>/.default`."
    )
    service_token_audience: str | None = Field(
        None, description="`audience` of the token request, for providers that take one (Auth0)."
    )

    # OpenTelemetry (shared.tracing), off by default: nothing is imported while it is off. The
    # standard OTEL_* variables configure the rest: OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, _HEADERS
    # and _TIMEOUT, OTEL_BSP_* (batching), OTEL_TRACES_SAMPLER(_ARG), OTEL_RESOURCE_ATTRIBUTES,
    # OTEL_SERVICE_NAME (else the process's name); OTEL_SDK_DISABLED=true turns it off again.
    tracing_enabled: bool = False
    tracing_exporter: Literal["otlp", "console", "none"] = Field(
        "otlp",
        description="`otlp` (HTTP/protobuf), `console` (stdout, for debugging) or `none`.",
    )

    def issuers(self) -> list[TrustedIssuer]:
        """The issuers this process trusts (see the module docstring for the default)."""
        if self.trusted_issuers:
            return list(self.trusted_issuers)
        configured = TrustedIssuer(
            issuer=self.jwt_issuer,
            jwks_url=self.jwks_url,
            audience=self.jwt_audience,
            roles_claim=self.roles_claim,
        )
        if self.environment == "production" or self.jwt_issuer == INTEGRATIONS_ISSUER:
            return [configured]
        base = self.service_urls.get("integrations", INTEGRATIONS_DEFAULT_URL).rstrip("/")
        ours = TrustedIssuer(
            issuer=INTEGRATIONS_ISSUER,
            jwks_url=base + INTEGRATIONS_JWKS_PATH,
            audience=self.jwt_audience,
            roles_claim="roles",
            algorithms=["ES256"],
        )
        return [configured, ours]

    @model_validator(mode="after")
    def _refuse_dev_key_in_production(self) -> BaseProcessSettings:
        if self.environment == "production" and any(i.jwks_url is None for i in self.issuers()):
            raise ValueError("production needs jwks_url: the development key is public")
        flow = (self.service_token_url, self.service_client_id, self.service_client_secret)
        if any(value is not None for value in flow) and None in flow:
            raise ValueError(
                "service_token_url, service_client_id and service_client_secret go together"
            )
        if self.service_token_url is None and (
            self.service_token_scope is not None or self.service_token_audience is not None
        ):
            raise ValueError("service_token_scope and _audience need service_token_url")
        if self.service_token is not None and self.service_token_url is not None:
            raise ValueError("set service_token or service_token_url, not both")
        names = [issuer.issuer for issuer in self.issuers()]
        if len(names) != len(set(names)):
            raise ValueError("trusted_issuers: each issuer once")
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
