"""Bearer JWT verification, the `Principal` and role guards.

Every service verifies tokens itself (never trusting the gateway). It trusts a list of issuers
(`settings.issuers()`: the trust's OIDC provider, the integrations service's OAuth token
endpoint, in development the shared HS256 key), each with its own keys, audience and roles claim.
The token's unverified `iss` only chooses which issuer's rules apply (an issuer not on the list is
a 401); the token is then verified fully against that issuer: signature with its JWKS (PyJWT's
`PyJWKClient`, fetched off the event loop and cached, one cache per issuer) or the development
key, `iss`, its `aud`, `exp` and `nbf`; `alg: none` and algorithms outside the issuer's list are
refused before any key is used.

Roles come from the configured claim (`roles_claim`): a list of strings or one space-separated
string. Unknown roles beside a known one are ignored (identity providers add their own, e.g.
`offline_access`). A verified token whose claim is missing, empty, malformed or holds no known role
is authenticated but may do nothing: `get_principal` refuses it with 403 (`no-known-role`) on
every route, before any role guard, so no route can forget it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import httpx
import jwt
from cachetools import TLRUCache
from fastapi import Depends, Request

from shared.context import actor_var
from shared.problems import Forbidden, Unauthorized
from shared.settings import BaseProcessSettings, TrustedIssuer


class Role(StrEnum):
    admin = "admin"
    governance = "governance"
    evaluator = "evaluator"
    contributor = "contributor"
    viewer = "viewer"
    reporter = "reporter"
    # Another service of this platform calling in (change-feed consumers, reference checks).
    service = "service"


KNOWN_ROLES = frozenset(str(role) for role in Role)


class NoKnownRole(Forbidden):
    slug = "no-known-role"
    title = "The token holds no role this platform knows"


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]
    claims: dict[str, Any] = field(default_factory=dict, compare=False)
    # Why the roles claim gave no known role (None: it did); `get_principal` refuses such tokens.
    roles_problem: str | None = field(default=None, compare=False)

    def has_any(self, *roles: Role | str) -> bool:
        return any(str(role) in self.roles for role in roles)

    @property
    def is_admin(self) -> bool:
        return Role.admin in self.roles


class _IssuerClient(jwt.PyJWKClient):
    """PyJWT's JWKS client (key-set cache with a lifespan, signing-key selection by `kid`, one
    forced refresh per cooldown for an unknown `kid`), fetching through httpx: one HTTP stack
    with our timeouts, no redirects followed, and a transport tests can substitute."""

    transport: httpx.BaseTransport | None = None

    def fetch_data(self) -> Any:
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.get(self.uri, headers=self.headers)
                response.raise_for_status()
            keyset = self._as_jwk_set_payload(response.json())
            if self.jwk_set_cache is not None:
                self.jwk_set_cache.put(keyset)  # parses it: no usable key is an error here
        except (httpx.HTTPError, ValueError, jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:
            raise jwt.PyJWKClientConnectionError(f"The JWKS could not be fetched: {exc}") from exc
        self._last_successful_fetch = time.monotonic()
        return keyset


class JWKSCache:
    """The issuer's signing keys: `jwt.PyJWKClient` (kept for `ttl` seconds; an unknown `kid`
    refreshes at most once per `min_refresh` seconds, for key rotation), wrapped for asyncio.
    A key the cached set holds is found on the loop; anything that may fetch runs on a worker
    thread (PyJWKClient is synchronous), one at a time. If the issuer cannot be reached, the
    last keys fetched keep being served."""

    def __init__(self, url: str, *, ttl: float, min_refresh: float = 30.0) -> None:
        self.url = url
        self._client = _IssuerClient(url, lifespan=ttl, cooldown_duration=min_refresh, timeout=5.0)
        self._last_good: jwt.PyJWKSet | None = None
        self._lock = asyncio.Lock()

    @property
    def transport(self) -> httpx.BaseTransport | None:
        return self._client.transport

    @transport.setter
    def transport(self, value: httpx.BaseTransport | None) -> None:  # tests substitute the issuer
        self._client.transport = value

    @staticmethod
    def _match(keyset: jwt.PyJWKSet | None, kid: str | None) -> jwt.PyJWK | None:
        if keyset is None:
            return None
        if kid is None:  # an issuer with one key may leave `kid` out
            return keyset.keys[0] if len(keyset.keys) == 1 else None
        for key in keyset.keys:
            if key.key_id == kid and key.public_key_use in ("sig", None):
                return key
        return None

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        cache = self._client.jwk_set_cache
        key = self._match(cache.get() if cache is not None else None, kid)
        if key is None:
            async with self._lock:  # one fetch for a burst of requests
                key = await asyncio.to_thread(self._fetch, kid)
        if key is None:
            raise Unauthorized("The token's signing key is unknown.")
        return key

    def _fetch(self, kid: str | None) -> jwt.PyJWK | None:
        """On a worker thread: the key, fetching the set if it expired or lacks `kid` (once
        per cooldown)."""
        client = self._client
        try:
            key = (
                self._match(client.get_jwk_set(), None)
                if kid is None
                else client.get_signing_key(kid)
            )
        except jwt.PyJWKClientConnectionError as exc:
            if self._last_good is None:
                raise Unauthorized("The identity provider's keys could not be fetched.") from exc
            return self._match(self._last_good, kid)  # keep serving the keys we had
        except jwt.PyJWKClientError:
            return None  # no such key in a fresh set
        if client.jwk_set_cache is not None:
            self._last_good = client.jwk_set_cache.get() or self._last_good
        return key


def _claim_at(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def roles_from_claims(claims: dict[str, Any], path: str) -> tuple[frozenset[str], str | None]:
    """The known roles in the claim at `path`, and why there are none (None when there are).

    A list must hold only strings and a string is split on spaces; anything else is malformed and
    gives no role at all, even when a known role is somewhere inside it."""
    value = _claim_at(claims, path)
    if value is None:
        return frozenset(), f"The token has no `{path}` claim."
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(role, str) for role in value):
        return frozenset(), f"The token's `{path}` claim must be a list of strings."
    if not value:
        return frozenset(), f"The token's `{path}` claim is empty."
    known = frozenset(value) & KNOWN_ROLES
    if not known:
        return frozenset(), f"The token's `{path}` claim holds no known role."
    return known, None


@dataclass(frozen=True)
class _Issuer:
    """A trusted issuer as the authenticator uses it: its rules and where its keys come from."""

    config: TrustedIssuer
    algorithms: frozenset[str]
    jwks: JWKSCache | None  # None: the shared development key


class Authenticator:
    """Verifies a bearer token into a `Principal`.

    A verified token is remembered (cachetools' time-aware LRU: at most `VERIFIED_MAX` tokens,
    each for at most `VERIFIED_TTL` seconds and never past its own `exp`): a client sends the
    same token on every request, and checking its signature again each time was a sixth of a
    simple GET's cost. Expiry is still checked on every hit (the cache's clock is the wall
    clock `exp` is written in)."""

    VERIFIED_TTL = 300.0
    VERIFIED_MAX = 4096

    def __init__(self, settings: BaseProcessSettings) -> None:
        self.settings = settings
        self.issuers: dict[str, _Issuer] = {}
        for trusted in settings.issuers():
            jwks = (
                JWKSCache(trusted.jwks_url, ttl=settings.jwks_cache_seconds)
                if trusted.jwks_url
                else None
            )
            default = settings.jwt_algorithms if jwks is not None else ["HS256"]
            algorithms = frozenset(trusted.algorithms or default)
            if jwks is not None:
                # A shared-secret algorithm with a public key set is the key-confusion attack.
                algorithms = frozenset(a for a in algorithms if not a.upper().startswith("HS"))
            self.issuers[trusted.issuer] = _Issuer(trusted, algorithms, jwks)
        leeway = settings.jwt_leeway_seconds

        def valid_until(_token: str, principal: Principal, now: float) -> float:
            return min(float(principal.claims["exp"]) + leeway, now + self.VERIFIED_TTL)

        self._verified: TLRUCache[str, Principal] = TLRUCache(
            maxsize=self.VERIFIED_MAX, ttu=valid_until, timer=time.time
        )

    @property
    def _jwks(self) -> JWKSCache | None:
        """The first trusted issuer's key cache (the configured OIDC issuer's)."""
        return next(iter(self.issuers.values())).jwks if self.issuers else None

    async def verify(self, token: str) -> Principal:
        try:
            return self._verified[token]
        except KeyError:
            pass
        principal = await self._verify_signature_and_claims(token)
        self._verified[token] = principal
        return principal

    def _issuer_of(self, token: str) -> _Issuer:
        """The trusted issuer the token names. Its claims are read unverified here, only to
        choose whose keys and rules verify it next."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("The bearer token is malformed.") from exc
        name = unverified.get("iss")
        issuer = self.issuers.get(name) if isinstance(name, str) else None
        if issuer is None:
            raise Unauthorized("The token's issuer is not trusted.")
        return issuer

    async def _verify_signature_and_claims(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("The bearer token is malformed.") from exc
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm.lower() == "none":
            raise Unauthorized("The token's signing algorithm is not accepted.")
        issuer = self._issuer_of(token)
        if algorithm not in issuer.algorithms:
            raise Unauthorized("The token's signing algorithm is not accepted.")
        key: Any
        if issuer.jwks is not None:
            key = await issuer.jwks.key_for(header.get("kid"))
        elif self.settings.dev_jwt_key is not None:
            key = self.settings.dev_jwt_key.get_secret_value()
        else:
            raise Unauthorized("The token's issuer has no key configured.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=sorted(issuer.algorithms),
                audience=issuer.config.audience,
                issuer=issuer.config.issuer,
                leeway=self.settings.jwt_leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise Unauthorized("The token is not valid yet.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("The token could not be verified.") from exc
        roles, problem = roles_from_claims(claims, issuer.config.roles_claim)
        return Principal(
            subject=str(claims["sub"]), roles=roles, claims=claims, roles_problem=problem
        )


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send `Authorization: Bearer <token>`.")
    return token.strip()


async def get_principal(request: Request) -> Principal:
    authenticator: Authenticator = request.app.state.authenticator
    principal = await authenticator.verify(bearer_token(request))
    actor_var.set(principal.subject)
    if principal.roles_problem is not None:
        raise NoKnownRole(
            f"{principal.roles_problem} Known roles: {', '.join(sorted(KNOWN_ROLES))}."
        )
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that admits callers holding any of `roles` (admins always pass)."""
    allowed = frozenset(str(role) for role in (*roles, Role.admin))

    async def guard(principal: PrincipalDep) -> Principal:
        if not principal.roles & allowed:
            raise Forbidden(f"This needs one of the roles: {', '.join(sorted(allowed))}.")
        return principal

    guard.__name__ = "require_" + "_or_".join(str(role) for role in roles)
    return guard


def issue_token(
    *,
    key: str,
    subject: str,
    roles: Iterable[str],
    issuer: str,
    audience: str,
    ttl_seconds: int = 3600,
    extra: dict[str, Any] | None = None,
) -> str:
    """Sign a development token (HS256 with the shared development key)."""
    now = int(time.time())
    claims = {
        "sub": subject,
        "roles": sorted(roles),
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        **(extra or {}),
    }
    return jwt.encode(claims, key, algorithm="HS256")


def service_token(settings: BaseProcessSettings, *, service: str) -> str:
    """The token this process presents to other services: the configured one (from the identity
    provider's client-credentials flow) or, in development, one signed with the dev key."""
    if settings.service_token is not None:
        return settings.service_token.get_secret_value()
    if settings.dev_jwt_key is None:
        raise RuntimeError("Set service_token: there is no development key to sign one with.")
    return issue_token(
        key=settings.dev_jwt_key.get_secret_value(),
        subject=f"service:{service}",
        roles=[Role.service],
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=24 * 3600,
    )
