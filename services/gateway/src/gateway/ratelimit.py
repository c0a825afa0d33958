"""Rate limits at the gateway: per client and route group, counted with the `limits` library.

A client is the verified token's subject (a person, or a machine client's id), otherwise the
remote address: an unverifiable token counts against its address, so minting fresh subjects
buys nothing. A route group is the collection under `/api/v1/` when `rate_limits` names it
(`exports`, `oauth`, ...), otherwise `default`. Counting is a fixed window per client and group
(one counter, so one storage round trip to count and one to read its expiry; a moving window
would keep one entry per request: 20,000 per client at the default): in memory for one gateway
process, or in Redis (`rate_limit_storage=redis://...`) so that every gateway process shares it.

Every limited response carries the IETF httpapi `RateLimit-Policy` and `RateLimit` fields
(draft-ietf-httpapi-ratelimit-headers, structured-field syntax: `"default";q=600;w=60` and
`"default";r=599;t=42`); over the limit the answer is a 429 problem with `Retry-After`.
`/healthz`, `/readyz` and `/metrics` are never limited. If the storage fails or is slow, the
request goes through unlimited (and it is logged): a broken counter must not take the API down.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass

import limits
import structlog
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.errors import StorageError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.routes_table import API_PREFIX
from gateway.settings import Settings
from shared.auth import Authenticator
from shared.problems import ProblemError, problem_response

logger = structlog.get_logger("gateway.ratelimit")

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_COLLECTIONS = API_PREFIX + "/v1/"
# A counter that cannot answer in this time is treated as failed (the request goes through).
STORAGE_SECONDS = 0.25


class RateLimited(ProblemError):
    slug = "too-many-requests"
    title = "Too many requests"
    status = 429


@dataclass(frozen=True)
class Policy:
    name: str
    item: limits.RateLimitItem

    @property
    def header(self) -> str:
        return f'"{self.name}";q={self.item.amount};w={self.item.get_expiry()}'


@dataclass(frozen=True)
class Decision:
    policy: Policy
    allowed: bool
    remaining: int
    reset_seconds: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        state = f'"{self.policy.name}";r={self.remaining};t={self.reset_seconds}'
        return [
            (b"ratelimit-policy", self.policy.header.encode()),
            (b"ratelimit", state.encode()),
        ]


def make_storage(settings: Settings) -> Storage:
    uri = settings.rate_limit_storage
    if uri.startswith("memory://"):
        return MemoryStorage()
    # coredis through `limits`' async Redis storage; errors wrapped so one class is caught.
    return RedisStorage(
        "async+" + uri, wrap_exceptions=True, key_prefix=settings.rate_limit_key_prefix
    )


class RateLimiter:
    """Counts each request against its client's limit for the request's route group."""

    def __init__(self, settings: Settings, authenticator: Authenticator) -> None:
        self.policies = {
            group: Policy(group, limits.parse(limit))
            for group, limit in settings.rate_limits.items()
        }
        self.storage = make_storage(settings)
        self.authenticator = authenticator

    def policy_for(self, path: str) -> Policy:
        if path.startswith(_COLLECTIONS):
            group = path[len(_COLLECTIONS) :].split("/", 1)[0]
            if group != "default" and group in self.policies:
                return self.policies[group]
        return self.policies["default"]

    async def client_of(self, scope: Scope) -> str:
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, _, token = value.decode("latin-1").partition(" ")
                if scheme.lower() == "bearer" and token.strip():
                    try:
                        principal = await self.authenticator.verify(token.strip())
                    except ProblemError:
                        break  # not a token we trust: the address counts
                    return "sub:" + principal.subject
                break
        client = scope.get("client")
        return "addr:" + (client[0] if client else "unknown")

    async def decide(self, scope: Scope) -> Decision | None:
        """This request's count against its limit, or None when the storage failed."""
        policy = self.policy_for(scope["path"])
        key = policy.item.key_for(policy.name, await self.client_of(scope))
        try:
            async with asyncio.timeout(STORAGE_SECONDS):
                count = await self.storage.incr(key, policy.item.get_expiry())
                reset_at = await self.storage.get_expiry(key)
        except (StorageError, TimeoutError, OSError) as exc:
            logger.warning("rate_limit_storage_failed", error=repr(exc))
            return None
        return Decision(
            policy=policy,
            allowed=count <= policy.item.amount,
            remaining=max(0, policy.item.amount - count),
            reset_seconds=max(0, math.ceil(reset_at - time.time())),
        )


class RateLimitMiddleware:
    """Pure ASGI: counts the request, answers 429 past the limit, adds the fields to the rest."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        decision = await self.limiter.decide(scope)
        if decision is None:
            await self.app(scope, receive, send)
            return
        fields = decision.headers()
        if not decision.allowed:
            retry_after = max(1, decision.reset_seconds)
            response = problem_response(
                Request(scope),
                status=RateLimited.status,
                title=RateLimited.title,
                type_=RateLimited.type_uri(),
                detail=(
                    f"This client's limit for {decision.policy.name!r} requests is"
                    f" {decision.policy.item.amount} per {decision.policy.item.get_expiry()} s;"
                    f" retry in {retry_after} s."
                ),
                headers={
                    "Retry-After": str(retry_after),
                    **{name.decode(): value.decode() for name, value in fields},
                },
            )
            await response(scope, receive, send)
            return

        async def send_with_fields(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *fields]
            await send(message)

        await self.app(scope, receive, send_with_fields)
