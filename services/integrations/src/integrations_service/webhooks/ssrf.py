"""The SSRF guard: which URLs a webhook may have, and which addresses a delivery may reach.

Checked at registration and again at every delivery (the name may resolve elsewhere by then:
DNS rebinding); a delivery then connects to the very address that was checked, so no second
lookup can swap it. Only public unicast addresses pass, unless a network is allowlisted.

The delivery worker keeps each name's addresses for a short TTL (`Resolver`) instead of asking
the resolver before every POST. Rebinding is still caught: the cached addresses are checked
against the policy at every delivery and are the only ones connected to, so a name that now
points somewhere private is never reached at its new address; it is refused at the first
delivery after the TTL, when the name is looked up again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit

from cachetools import TTLCache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud instance metadata services; all also fail the public-address rule, named for clarity.
METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
MAX_URL_LENGTH: Final = 2000
# A name that does not resolve by then is refused (a registration never hangs on a resolver).
RESOLVE_TIMEOUT_SECONDS: Final = 3.0


class UrlRefused(ValueError):
    """The URL's form is not acceptable (the message never repeats it)."""


class AddressRefused(ValueError):
    """The host resolves to (or is) an address webhooks may not reach."""


@dataclass(frozen=True)
class UrlPolicy:
    require_https: bool
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def of(cls, *, production: bool, allowed: list[str]) -> UrlPolicy:
        return cls(
            require_https=production,
            allowed_networks=tuple(ipaddress.ip_network(n, strict=False) for n in allowed),
        )

    def allows(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed_networks):
            return True
        return (
            address.is_global
            and not address.is_multicast
            and not address.is_reserved
            and address not in METADATA_ADDRESSES
        )


def check_url(url: str, policy: UrlPolicy) -> SplitResult:
    """The URL's parts, or UrlRefused: http(s) only (https in production), a host, no
    credentials, no fragment."""
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused(f"The URL is longer than {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefused("The URL cannot be parsed.") from exc
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("The URL must use https (or http outside production).")
    if policy.require_https and parts.scheme != "https":
        raise UrlRefused("The URL must use https in production.")
    if not parts.hostname:
        raise UrlRefused("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("The URL must not carry credentials; the signature authenticates us.")
    if parts.fragment:
        raise UrlRefused("The URL must not have a fragment.")
    if port == 0:
        raise UrlRefused("The URL's port is not valid.")
    if any(c.isspace() or ord(c) < 0x20 for c in url):
        raise UrlRefused("The URL contains whitespace or control characters.")
    return parts


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (a literal address is itself)."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, TimeoutError) as exc:
        raise AddressRefused("The URL's host does not resolve.") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


Lookup = Callable[[str, int], Awaitable[list[IPAddress]]]


class Resolver:
    """Each name's addresses, kept `ttl_seconds` (bounded: the least recently used names go
    first). A lookup that fails is not kept: the next delivery asks again. `lookup` and
    `timer` are the resolver and clock (tests give their own)."""

    def __init__(
        self,
        ttl_seconds: float,
        *,
        lookup: Lookup = resolve,
        timer: Callable[[], float] = time.monotonic,
        max_names: int = 1024,
    ) -> None:
        self.lookup = lookup
        self._cache: TTLCache[tuple[str, int], list[IPAddress]] | None = (
            TTLCache(maxsize=max_names, ttl=ttl_seconds, timer=timer) if ttl_seconds > 0 else None
        )

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        if self._cache is None:
            return await self.lookup(host, port)
        key = (host, port)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = await self.lookup(host, port)
        return cached


async def allowed_address(
    parts: SplitResult, policy: UrlPolicy, resolver: Resolver | None = None
) -> IPAddress:
    """The address to connect to: the host's, if every one of them is allowed (a name with
    one private address among public ones is refused: the resolver may pick either). Without
    a `resolver` the name is looked up now (registration)."""
    assert parts.hostname is not None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await (resolver.addresses if resolver else resolve)(parts.hostname, port)
    if not addresses:
        raise AddressRefused("The URL's host does not resolve.")
    if not all(policy.allows(address) for address in addresses):
        raise AddressRefused(
            "The URL's host is a loopback, private, link-local, multicast or metadata address."
        )
    return addresses[0]
