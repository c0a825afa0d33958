"""The token signing key (ES256, P-256): from settings (PEM) or, outside production, generated
once into a file (or, with no file, in memory); its public JWK with an RFC 7638 thumbprint as
`kid`; and the signing of a client's access token."""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from integrations_service.oauth.settings import OAuthSettings
from shared.auth import Authenticator

ALGORITHM = "ES256"


@dataclass(frozen=True)
class SigningKey:
    private: ec.EllipticCurvePrivateKey
    kid: str
    public_jwk: dict[str, str]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _from_private(private: ec.EllipticCurvePrivateKey) -> SigningKey:
    if not isinstance(private.curve, ec.SECP256R1):
        raise ValueError("oauth_signing_key must be a P-256 key (ES256)")
    numbers = private.public_key().public_numbers()
    members = {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64(numbers.x.to_bytes(32, "big")),
        "y": _b64(numbers.y.to_bytes(32, "big")),
    }
    # RFC 7638: the SHA-256 of the required members, sorted, without whitespace.
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    kid = _b64(hashlib.sha256(canonical).digest())
    return SigningKey(private, kid, {**members, "kid": kid, "use": "sig", "alg": ALGORITHM})


def _load_pem(pem: bytes) -> SigningKey:
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ValueError("oauth_signing_key must be an EC private key (ES256)")
    return _from_private(private)


def _pem_of(private: ec.EllipticCurvePrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _file_key(path: Path) -> SigningKey:
    """The key in `path`, generated there first if there is none. Created exclusively (mode
    0600), so processes started together agree on one key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(_pem_of(ec.generate_private_key(ec.SECP256R1())))
    for _ in range(50):  # another process may be writing it right now
        pem = path.read_bytes()
        if pem.strip().endswith(b"-----"):
            return _load_pem(pem)
        time.sleep(0.02)
    raise ValueError(f"{path} holds no PEM key")


@functools.cache
def _cached(pem: str | None, file: str | None) -> SigningKey:
    if pem is not None:
        return _load_pem(pem.encode())
    if file is not None:
        return _file_key(Path(file))
    return _from_private(ec.generate_private_key(ec.SECP256R1()))


def signing_key(settings: OAuthSettings) -> SigningKey:
    """The process's signing key (loaded once per configuration)."""
    pem = settings.oauth_signing_key
    return _cached(
        pem.get_secret_value() if pem is not None else None, settings.oauth_signing_key_file
    )


def issue_access_token(
    settings: OAuthSettings, *, client_id: uuid.UUID, roles: Iterable[str], now: int
) -> str:
    key = signing_key(settings)
    claims = {
        "iss": settings.oauth_issuer,
        "sub": str(client_id),
        "aud": settings.oauth_audience,
        "roles": sorted(roles),
        "client_id": str(client_id),
        "iat": now,
        "nbf": now,
        "exp": now + settings.oauth_token_ttl_seconds,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, key.private, algorithm=ALGORITHM, headers={"kid": key.kid})


class OwnKeySet(httpx.BaseTransport):
    """Answers a JWKS fetch with this process's own public key, from memory."""

    def __init__(self, settings: OAuthSettings) -> None:
        self.settings = settings

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"keys": [signing_key(self.settings).public_jwk]})


def trust_own_key(authenticator: Authenticator, settings: OAuthSettings) -> None:
    """This service verifies its own issuer's tokens with its own key: no HTTP call to itself,
    whose address (`service_urls` names only the others) it may not even know."""
    issuer = authenticator.issuers.get(settings.oauth_issuer)
    if issuer is not None and issuer.jwks is not None:
        issuer.jwks.transport = OwnKeySet(settings)
