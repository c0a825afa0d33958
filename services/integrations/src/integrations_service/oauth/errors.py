"""Machine clients: the problems (RFC 9457) of the client routes, and the token endpoint's own
error codes (RFC 6749 §5.2), which are not problems."""

from __future__ import annotations

from enum import StrEnum

from shared.problems import Conflict, InvalidInput, NotFound


class ClientNotFound(NotFound):
    slug = "oauth-client-not-found"
    title = "No such machine client"


class ClientRevoked(Conflict):
    slug = "oauth-client-revoked"
    title = "The machine client is revoked"


class ExpiryInPast(InvalidInput):
    slug = "oauth-client-expiry-in-past"
    title = "A client's expiry must be in the future"


class TokenErrorCode(StrEnum):
    """RFC 6749 §5.2."""

    invalid_request = "invalid_request"
    invalid_client = "invalid_client"
    invalid_grant = "invalid_grant"
    unauthorized_client = "unauthorized_client"
    unsupported_grant_type = "unsupported_grant_type"
    invalid_scope = "invalid_scope"


class TokenError(Exception):
    """A refused token request: answered as the RFC's JSON error (400, or 401 with
    `WWW-Authenticate` when the client authenticated with HTTP Basic). `reason` is what the
    audit trail records; `description` is what the caller reads (never its own input)."""

    def __init__(
        self,
        code: TokenErrorCode,
        description: str,
        *,
        reason: str | None = None,
        basic: bool = False,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.reason = reason or code.value
        self.basic = basic

    @property
    def status(self) -> int:
        return 401 if self.code is TokenErrorCode.invalid_client and self.basic else 400
