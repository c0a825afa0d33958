"""This process's service token, renewed by the OAuth 2.0 client-credentials flow (RFC 6749 §4.4).

A static `service_token` stops working when it expires (an Entra ID token lives about an hour),
and with it every change-feed consumer and background call, until a restart. With
`service_token_url`, `service_client_id` and `service_client_secret` set, `ServiceTokenSource`
asks the token endpoint (the trust's identity provider, or our integrations service's
`/v1/oauth/token`) for an access token, authenticating with HTTP Basic (§2.3.1: id and secret
form-urlencoded first), and keeps it until `expires_in` minus a margin (10 %, at most 60 s), so
it is renewed before any service could refuse it. One fetch runs at a time: callers arriving
during a fetch wait for it and share its token, or its failure. If a renewal fails while the
token held is still valid, that token is served (the identity provider may be back before it
expires); otherwise the failure is `ServiceTokenUnavailable`, a 503 problem for the route that
needed the call, a failed step for a consumer (which backs off and counts it). The secret is in
no log line and no error.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote_plus

import httpx
import structlog
from pydantic import SecretStr

from shared.problems import ServiceUnavailable
from shared.settings import BaseProcessSettings

__all__ = [
    "DEFAULT_EXPIRES_IN",
    "ServiceTokenSource",
    "ServiceTokenUnavailable",
    "TokenProvider",
    "service_token_provider",
]

logger = structlog.get_logger("shared.service_tokens")

# What `ServiceClient` calls for the `Authorization` of an `as_service` request.
TokenProvider = Callable[[], str | Awaitable[str]]

# `expires_in` is only RECOMMENDED (§5.1): without it, assume a short life and renew early.
DEFAULT_EXPIRES_IN = 300.0
# Renew this long before expiry: 10 % of the lifetime, at most this many seconds.
_MAX_MARGIN = 60.0
# A still-valid token is served after a failed renewal only with at least this much life left.
_MIN_REMAINING = 5.0


class ServiceTokenUnavailable(ServiceUnavailable):
    slug = "service-token-unavailable"
    title = "This service could not get its token for another service"


def _error_summary(response: httpx.Response) -> str:
    """`error` (and `error_description`) of an RFC 6749 §5.2 answer, else only the status. The
    body is never quoted whole: an endpoint may echo what it was sent."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return f"HTTP {response.status_code}"
    summary = f"HTTP {response.status_code} {body['error'][:100]}"
    description = body.get("error_description")
    if isinstance(description, str) and description:
        summary += f": {description[:300].rstrip('.')}"
    return summary


class ServiceTokenSource:
    """Access tokens from a client-credentials token endpoint, cached until near expiry.

    `await source.token()` is the `token_provider` of this process's `ServiceClient`s;
    `refresh_margin` (seconds) replaces the default margin, for tests of renewal."""

    def __init__(
        self,
        url: str,
        *,
        client_id: str,
        client_secret: SecretStr,
        scope: str | None = None,
        audience: str | None = None,
        timeout: float = 10.0,
        refresh_margin: float | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url
        self.client_id = client_id
        self._client_secret = client_secret
        self.scope = scope
        self.audience = audience
        self.timeout = timeout
        self.refresh_margin = refresh_margin
        self.transport = transport
        self.fetches = 0  # token requests sent, for tests and debugging
        self._token: str | None = None
        self._refresh_at = 0.0  # time.monotonic() after which a new token is fetched
        self._expires_at = 0.0
        self._failure: ServiceTokenUnavailable | None = None  # the last fetch's, until one works
        self._failed_at = 0.0
        self._lock = asyncio.Lock()

    @property
    def refresh_at(self) -> float:
        """When (`time.monotonic()`) the token held is renewed; 0 before the first fetch."""
        return self._refresh_at

    async def token(self) -> str:
        """A valid access token: the cached one, or one fetched now (one fetch at a time)."""
        if self._token is not None and time.monotonic() < self._refresh_at:
            return self._token
        arrived = time.monotonic()
        async with self._lock:
            # A caller that waited here shares the outcome of the fetch before it: its token,
            # or its failure (20 callers while the endpoint is down make one request, not 20).
            if self._token is not None and time.monotonic() < self._refresh_at:
                return self._token
            if self._failure is not None and self._failed_at >= arrived:
                return self._held_or_raise(self._failure)
            try:
                token, expires_in = await self._fetch()
            except ServiceTokenUnavailable as error:
                self._failure, self._failed_at = error, time.monotonic()
                logger.warning(
                    "service_token_unavailable",
                    token_url=self.url,
                    client_id=self.client_id,
                    error=str(error),
                    serving_held_token=self._held() is not None,
                )
                return self._held_or_raise(error)
            now = time.monotonic()
            margin = (
                self.refresh_margin
                if self.refresh_margin is not None
                else min(_MAX_MARGIN, expires_in / 10)
            )
            self._token, self._failure = token, None
            self._expires_at = now + expires_in
            self._refresh_at = now + max(0.0, expires_in - margin)
            logger.info(
                "service_token_fetched",
                token_url=self.url,
                client_id=self.client_id,
                expires_in=expires_in,
            )
            return token

    def _held(self) -> str | None:
        """The token held, if it still has a few seconds to live."""
        if self._token is not None and time.monotonic() < self._expires_at - _MIN_REMAINING:
            return self._token
        return None

    def _held_or_raise(self, error: ServiceTokenUnavailable) -> str:
        held = self._held()
        if held is None:
            raise ServiceTokenUnavailable(error.detail)
        return held

    async def _fetch(self) -> tuple[str, float]:
        """One token request: the access token and its lifetime in seconds."""
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        if self.audience:  # Auth0 and Okta name the API this way; Entra ID uses the scope
            form["audience"] = self.audience
        # RFC 6749 §2.3.1: both are form-urlencoded before they go into the Basic header.
        auth = httpx.BasicAuth(
            quote_plus(self.client_id), quote_plus(self._client_secret.get_secret_value())
        )
        where = f"The token endpoint {self.url} (client {self.client_id})"
        self.fetches += 1
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout,
                transport=self.transport,
                follow_redirects=False,
                trust_env=False,
            ) as client:
                response = await client.post(
                    self.url, data=form, auth=auth, headers={"Accept": "application/json"}
                )
        except httpx.HTTPError as exc:
            # The exception's text names the URL only; `from None` drops the request (and its
            # Authorization header) from the chain an error report could print.
            raise ServiceTokenUnavailable(
                f"{where} could not be reached: {type(exc).__name__}."
            ) from None
        if response.status_code != 200:
            raise ServiceTokenUnavailable(f"{where} refused: {_error_summary(response)}.")
        return self._parse(response, where)

    @staticmethod
    def _parse(response: httpx.Response, where: str) -> tuple[str, float]:
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ServiceTokenUnavailable(f"{where} answered a body that is not a JSON object.")
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise ServiceTokenUnavailable(f"{where} answered without an access_token.")
        token_type = body.get("token_type")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise ServiceTokenUnavailable(
                f"{where} answered token_type {token_type!r}, not Bearer."
            )
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
        # Some providers send it as a string ("3599"): RFC 6749 says a number, take both.
        try:
            lifetime = float(expires_in)
        except (TypeError, ValueError):
            lifetime = -1.0
        if not 0 < lifetime < 366 * 24 * 3600:
            raise ServiceTokenUnavailable(f"{where} answered expires_in {expires_in!r}.")
        return token, lifetime


def service_token_provider(
    settings: BaseProcessSettings, fallback: Callable[[], str]
) -> TokenProvider:
    """The token provider of a process: a `ServiceTokenSource` when the settings name a token
    endpoint, else `fallback` (the static `service_token` or the development-signed one)."""
    if settings.service_token_url is None:
        return fallback
    assert settings.service_client_id is not None  # the settings require all three together
    assert settings.service_client_secret is not None
    return ServiceTokenSource(
        settings.service_token_url,
        client_id=settings.service_client_id,
        client_secret=settings.service_client_secret,
        scope=settings.service_token_scope,
        audience=settings.service_token_audience,
    ).token
