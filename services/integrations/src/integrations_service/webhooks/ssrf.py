"""The SSRF guard: which URLs a webhook may have, and which addresses a delivery may reach.

Checked at registration and again at every delivery (the name may resolve elsewhere by then:
DNS rebinding); a delivery then connects to the very address that was checked, so no second
lookup can swap it. Only public unicast addresses pass, unless a network is allowlisted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit

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


async def allowed_address(parts: SplitResult, policy: UrlPolicy) -> IPAddress:
    """The address to connect to: the host's, if every one of them is allowed (a name with
    one private address among public ones is refused: the resolver may pick either)."""
    assert parts.hostname is not None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = await resolve(parts.hostname, port)
    if not addresses:
        raise AddressRefused("The URL's host does not resolve.")
    if not all(policy.allows(address) for address in addresses):
        raise AddressRefused(
            "The URL's host is a loopback, private, link-local, multicast or metadata address."
        )
    return addresses[0]
