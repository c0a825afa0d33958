"""The OAuth settings (`INTEGRATIONS_OAUTH_*`), mixed into the service's one `Settings` class."""

from __future__ import annotations

import datetime as dt

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings

from shared.settings import DEV_AUDIENCE, INTEGRATIONS_ISSUER


class OAuthSettings(BaseSettings):
    """The token endpoint's issuer, audience, lifetimes and signing key."""

    oauth_issuer: str = Field(
        INTEGRATIONS_ISSUER,
        description="`iss` of the tokens; every service lists it in its trusted issuers.",
    )
    oauth_audience: str = Field(DEV_AUDIENCE, description="`aud` of the tokens.")
    oauth_token_ttl_seconds: int = Field(600, ge=60, le=24 * 3600)
    oauth_secret_overlap_seconds: float = Field(
        24 * 3600.0, ge=0, description="After a rotation the old secret still works this long."
    )
    oauth_signing_key: SecretStr | None = Field(
        None, description="PEM of the ES256 (P-256) private key; required in production."
    )
    oauth_signing_key_file: str | None = Field(
        "var/integrations-signing-key.pem",
        description="Outside production, without a key: generated once into this file"
        " (None: a new key in memory per process, for tests).",
    )
    oauth_public_base_url: str = Field(
        "http://127.0.0.1:8000/api",
        description="Where clients reach `/v1/oauth/...` (the gateway's `/api`), for RFC 8414.",
    )

    def oauth_overlap(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.oauth_secret_overlap_seconds)

    @model_validator(mode="after")
    def _production_needs_a_key(self) -> OAuthSettings:
        environment = getattr(self, "environment", "development")
        if environment == "production" and self.oauth_signing_key is None:
            raise ValueError("production needs oauth_signing_key (a PEM ES256 private key)")
        return self
