"""Business rules for machine clients and the token endpoint. Functions flush, never commit.

Secrets are 256 random bits, shown once and kept only as SHA-256 digests, compared with
`hmac.compare_digest`. A token request costs the same whether the client exists or not: an
unknown client is compared against a dummy digest, and both the current and the previous secret
are always compared. Revocation and expiry stop new tokens at once; a token already issued lives
until its `exp` (at most `oauth_token_ttl_seconds`), as services verify tokens without calling us.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote_plus

from sqlalchemy.ext.asyncio import AsyncSession

from integrations_service.oauth import keys, repository
from integrations_service.oauth.errors import (
    ClientRevoked,
    ExpiryInPast,
    TokenError,
    TokenErrorCode,
)
from integrations_service.oauth.models import OAuthClient
from integrations_service.oauth.schemas import (
    ClientCreate,
    ClientRead,
    ClientRole,
    ClientWithSecret,
    TokenResponse,
)
from integrations_service.oauth.settings import OAuthSettings
from shared.auth import Principal
from shared.changes import record_audit, set_action
from shared.db import utcnow
from shared.event_contract import row_actions
from shared.pagination import Page, Pagination, row_dict
from shared.problems import FieldError

# Recognisable by secret scanners (and by people) when one leaks into a log or a repository.
SECRET_PREFIX = "cmdi_cs_"  # noqa: S105 (a prefix, not a secret)
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
GRANT_TYPE = "client_credentials"
_TOKEN_PARAMETERS = frozenset({"grant_type", "client_id", "client_secret", "scope"})
_MAX_FIELDS = 20


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


# What an unknown client's secret is compared against, so its refusal costs what a known one's does.
_DUMMY_DIGEST = digest(new_secret())


# -- clients ------------------------------------------------------------------------------------


async def create_client(
    session: AsyncSession, *, data: ClientCreate, actor: Principal
) -> ClientWithSecret:
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise ExpiryInPast(
            "The expiry is not in the future.",
            errors=[
                FieldError(pointer="/expires_at", location="body", detail="Must be in the future.")
            ],
        )
    secret = new_secret()
    client = OAuthClient(
        name=data.name,
        roles=sorted({str(role) for role in data.roles}),
        expires_at=data.expires_at,
        secret_hash=digest(secret),
        created_by=actor.subject,
    )
    session.add(client)
    await session.flush()
    return _with_secret(client, secret, last_used_at=None)


row_actions(OAuthClient, "secret_rotated", "revoked")


async def rotate_secret(
    session: AsyncSession, client: OAuthClient, *, overlap: dt.timedelta
) -> ClientWithSecret:
    """A new secret; the current one keeps working for `overlap` (none: it stops now)."""
    if client.revoked_at is not None:
        raise ClientRevoked("A revoked client keeps no secret; create a new client.")
    secret = new_secret()
    now = utcnow()
    keep = overlap > dt.timedelta(0)
    client.previous_secret_hash = client.secret_hash if keep else None
    client.previous_secret_expires_at = now + overlap if keep else None
    client.secret_hash = digest(secret)
    client.secret_rotated_at = now
    set_action(client, "secret_rotated")
    await session.flush()
    return _with_secret(
        client, secret, last_used_at=await repository.last_used_at(session, client.id)
    )


async def revoke_client(session: AsyncSession, client: OAuthClient) -> ClientRead:
    """Revoked at once (no new token, secrets included); revoking again changes nothing."""
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        client.previous_secret_hash = None
        client.previous_secret_expires_at = None
        set_action(client, "revoked")
        await session.flush()
    read = await read_client(session, client.id)
    assert read is not None
    return read


async def read_client(session: AsyncSession, client_id: uuid.UUID) -> ClientRead | None:
    row = await repository.read(session, client_id)
    return None if row is None else ClientRead.model_validate(row_dict(row))


async def list_clients(session: AsyncSession, *, pagination: Pagination) -> Page[ClientRead]:
    rows = await pagination.rows(
        session,
        repository.list_statement(),
        id_column=OAuthClient.id,
        updated_column=OAuthClient.updated_at,
        scalars=False,
    )
    return rows.as_page(ClientRead)


def _with_secret(
    client: OAuthClient, secret: str, *, last_used_at: dt.datetime | None
) -> ClientWithSecret:
    read = ClientRead.model_validate({**_columns(client), "last_used_at": last_used_at})
    return ClientWithSecret(
        **read.model_dump(exclude={"status"}), client_id=str(client.id), client_secret=secret
    )


def _columns(client: OAuthClient) -> dict[str, object]:
    return {
        name: getattr(client, name) for name in ClientRead.model_fields if name != "last_used_at"
    }


# -- the token endpoint ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRequest:
    """A parsed client-credentials request: what the client sent, not yet authenticated."""

    grant_type: str
    client_id: str
    client_secret: str
    scope: str | None
    basic: bool  # credentials came in HTTP Basic (refusals are then 401 + WWW-Authenticate)


def _invalid_request(description: str) -> TokenError:
    return TokenError(TokenErrorCode.invalid_request, description)


def _form(content_type: str, body: bytes) -> dict[str, str]:
    """The form's known parameters. Empty ones count as omitted and unknown ones are ignored
    (RFC 6749 §3.1); a known one sent twice is refused (§3.2)."""
    if content_type.split(";")[0].strip().lower() != FORM_MEDIA_TYPE:
        raise _invalid_request(f"Send the token request as {FORM_MEDIA_TYPE}.")
    try:
        pairs = parse_qsl(
            body.decode("ascii"),
            keep_blank_values=False,
            strict_parsing=False,
            errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid_request("The form body could not be parsed.") from exc
    form: dict[str, str] = {}
    for name, value in pairs:
        if name not in _TOKEN_PARAMETERS:
            continue
        if name in form:
            raise _invalid_request(f"`{name}` was sent more than once.")
        form[name] = value
    return form


def _basic_credentials(value: str) -> tuple[str, str]:
    """RFC 6749 §2.3.1: base64 of `id:secret`, each form-urlencoded first."""
    malformed = TokenError(
        TokenErrorCode.invalid_client,
        "The Basic credentials are malformed.",
        reason="malformed_basic",
        basic=True,
    )
    try:
        decoded = base64.b64decode(value.strip().encode("ascii"), validate=True).decode("utf-8")
    except (UnicodeError, binascii.Error) as exc:
        raise malformed from exc
    user, colon, password = decoded.partition(":")
    if not colon or not user or not password:
        raise malformed
    try:
        return unquote_plus(user, errors="strict"), unquote_plus(password, errors="strict")
    except UnicodeDecodeError as exc:
        raise malformed from exc


def parse_token_request(
    *, content_type: str, body: bytes, authorization: str | None
) -> TokenRequest:
    form = _form(content_type, body)
    basic = authorization is not None
    if authorization is not None:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "basic":
            raise TokenError(
                TokenErrorCode.invalid_client,
                "Authenticate the client with HTTP Basic or in the body.",
                reason="unsupported_authentication",
                basic=True,
            )
        client_id, client_secret = _basic_credentials(value)
        if "client_secret" in form:
            raise _invalid_request("Authenticate with HTTP Basic or in the body, not both.")
        if form.get("client_id", client_id) != client_id:
            raise _invalid_request("The body's client_id is not the Basic one.")
    else:
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        if not client_id or not client_secret:
            raise TokenError(
                TokenErrorCode.invalid_client,
                "Send client_id and client_secret, in HTTP Basic or in the body.",
                reason="no_credentials",
                basic=True,  # a 401 that says how (RFC 6749 §5.2)
            )
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise _invalid_request("grant_type is required.")
    if grant_type != GRANT_TYPE:
        raise TokenError(TokenErrorCode.unsupported_grant_type, f"Only {GRANT_TYPE} is supported.")
    return TokenRequest(grant_type, client_id, client_secret, form.get("scope"), basic)


def _parse_id(client_id: str) -> uuid.UUID | None:
    if len(client_id) > 64:
        return None
    try:
        return uuid.UUID(client_id)
    except ValueError:
        return None


async def _authenticate(
    session: AsyncSession, request: TokenRequest
) -> tuple[OAuthClient | None, TokenError | None]:
    """The client, and why it may not have a token (None: it may)."""
    client_id = _parse_id(request.client_id)
    client = await repository.get(session, client_id) if client_id is not None else None
    now = utcnow()
    current = client.secret_hash if client is not None else _DUMMY_DIGEST
    previous = _DUMMY_DIGEST
    if (
        client is not None
        and client.previous_secret_hash is not None
        and client.previous_secret_expires_at is not None
        and client.previous_secret_expires_at > now
    ):
        previous = client.previous_secret_hash
    candidate = digest(request.client_secret)
    # Both compared, always: which one matched must not show in the time taken.
    matches_current = hmac.compare_digest(candidate, current)
    matches_previous = hmac.compare_digest(candidate, previous)

    def refused(description: str, reason: str) -> TokenError:
        return TokenError(
            TokenErrorCode.invalid_client, description, reason=reason, basic=request.basic
        )

    if client is None:
        return None, refused("Client authentication failed.", "unknown_client")
    if not (matches_current or matches_previous):
        return client, refused("Client authentication failed.", "wrong_secret")
    if client.revoked_at is not None:
        return client, refused("The client is revoked.", "revoked")
    if client.expires_at is not None and client.expires_at <= now:
        return client, refused("The client has expired.", "expired")
    return client, None


_GRANTABLE = frozenset(role.value for role in ClientRole)


def _granted_roles(client: OAuthClient, scope: str | None) -> list[str]:
    # Only roles a client may hold, whatever a row was given by hand: never `admin`.
    held = set(client.roles) & _GRANTABLE
    if not held:
        raise TokenError(
            TokenErrorCode.unauthorized_client,
            "The client holds no role it may be granted.",
            reason="no_grantable_role",
        )
    if scope is None:
        return sorted(held)
    requested = {part for part in scope.split(" ") if part}
    if not requested or not requested <= held:
        raise TokenError(
            TokenErrorCode.invalid_scope,
            "The scope may list only roles the client holds: " + " ".join(sorted(held)),
        )
    return sorted(requested)


async def issue_token(
    session: AsyncSession,
    settings: OAuthSettings,
    *,
    content_type: str,
    body: bytes,
    authorization: str | None,
) -> TokenResponse | TokenError:
    """The token, or the refusal to answer (recorded in the audit trail, never the secret)."""
    client: OAuthClient | None = None
    try:
        request = parse_token_request(
            content_type=content_type, body=body, authorization=authorization
        )
        client, refusal = await _authenticate(session, request)
        if refusal is not None:
            raise refusal
        assert client is not None
        roles = _granted_roles(client, request.scope)
    except TokenError as error:
        await record_audit(
            session,
            entity_type="oauth_client",
            entity_id=client.id if client is not None else "unknown",
            action="token_refused",
            changes={"reason": error.reason, "error": error.code.value},
        )
        return error
    now = utcnow()
    await repository.mark_used(session, client.id, now)
    # The JWT's times are the wall clock's: other processes check them against theirs.
    token = keys.issue_access_token(
        settings, client_id=client.id, roles=roles, now=int(time.time())
    )
    return TokenResponse(
        access_token=token, expires_in=settings.oauth_token_ttl_seconds, scope=" ".join(roles)
    )
