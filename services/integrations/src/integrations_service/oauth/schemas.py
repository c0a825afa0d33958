"""Machine clients: request and response bodies of the client routes and the token endpoint."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
)

from shared.db import utcnow
from shared.types import InputModel, NotBlank


class ClientRole(StrEnum):
    """The roles a machine client may hold: never `admin`, nor a person's roles."""

    reporter = "reporter"
    viewer = "viewer"
    service = "service"


class ClientStatus(StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NotBlank()
]


class ClientCreate(InputModel):
    name: Name
    roles: list[ClientRole] = Field(
        min_length=1,
        max_length=3,
        description="Roles its tokens may carry: `reporter`, `viewer`, `service` (never `admin`).",
    )
    expires_at: AwareDatetime | None = Field(
        None, description="After this instant the client gets no token; none: no expiry."
    )


class ClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="The OAuth `client_id`, and the `sub` of its tokens.")
    name: str
    roles: list[ClientRole]
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None = Field(description="When it last got a token.")
    secret_rotated_at: dt.datetime | None
    previous_secret_expires_at: dt.datetime | None = Field(
        description="Until then the secret before the last rotation still works."
    )
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> ClientStatus:
        """`revoked` and `expired` clients get no token."""
        if self.revoked_at is not None:
            return ClientStatus.revoked
        if self.expires_at is not None and self.expires_at <= utcnow():
            return ClientStatus.expired
        return ClientStatus.active


class ClientWithSecret(ClientRead):
    """Answered once, on creation and on rotation: the secret is never shown again."""

    client_id: str = Field(description="Send it as the `client_id` (or the Basic user name).")
    client_secret: str = Field(description="Shown once; only its SHA-256 digest is kept.")


class TokenResponse(BaseModel):
    """RFC 6749 §5.1."""

    access_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a token type, not a secret)
    expires_in: int = Field(description="Seconds.")
    scope: str = Field(description="The granted roles, space-separated.")


class TokenErrorBody(BaseModel):
    """RFC 6749 §5.2."""

    error: Literal[
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    ]
    error_description: str


class JWKS(BaseModel):
    keys: list[dict[str, str]]


class AuthorizationServerMetadata(BaseModel):
    """RFC 8414 §2 (the fields a client-credentials server has)."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    response_types_supported: list[str]
    scopes_supported: list[str]
