"""Header rules of the proxy, as pure functions over ASGI header lists (hot path: one pass each).

Requests: hop-by-hop headers (RFC 9110 §7.6.1) and every header the caller's `Connection` lists
are dropped; `Host` becomes the service's; `Forwarded` (RFC 7239) and `Via` are set;
`X-Request-ID` and `traceparent` come from the request context (validated there);
`X-Forwarded-Prefix: /api` tells the service where it is mounted (its problems' `instance`);
`Authorization` and everything else pass unchanged.

Cookies are cut in both directions. The API authenticates with bearer tokens only, so a cookie
has no business reaching a service, and a `Set-Cookie` from a service must never reach a caller:
one upstream connection serves many callers, and a cookie set for one would be replayed by a
browser (or a careless client library) on behalf of another. The proxy's client also keeps no
cookie jar, for the same reason.

The caller's `Forwarded`/`X-Forwarded-*` are dropped rather than extended: the gateway is the
edge, so they are unverifiable. A trusted load balancer in front is handled by uvicorn's
`--proxy-headers`/`--forwarded-allow-ips`, which already put the real client into the scope.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.routes_table import API_PREFIX

VIA = "1.1 cmdi-gateway"

# Hop-by-hop (RFC 9110 §7.6.1, plus the obsolete `Proxy-Connection`), or rebuilt below.
_REQUEST_DROPPED = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"expect",  # 100-continue is settled between the caller and the gateway's server
        b"host",
        b"cookie",
        b"forwarded",
        b"x-forwarded-for",
        b"x-forwarded-host",
        b"x-forwarded-proto",
        b"x-forwarded-prefix",
        b"via",
        b"x-request-id",
        b"traceparent",
    }
)

_RESPONSE_DROPPED = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",  # the gateway's server frames the body itself
        b"upgrade",
        b"set-cookie",
        # Set by the gateway's own server and middleware; keeping the service's would duplicate.
        b"server",
        b"date",
        b"x-request-id",
    }
)

_REWRITTEN = frozenset({b"location", b"content-location"})
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 tchar


def connection_tokens(headers: Iterable[tuple[bytes, bytes]]) -> frozenset[bytes]:
    """Header names a sender listed in `Connection`: hop-by-hop by declaration."""
    tokens: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            tokens.update(token.strip().lower() for token in value.split(b","))
    return frozenset(tokens)


def _forwarded_value(value: str) -> str:
    """A `Forwarded` parameter value: a token, or a quoted string (RFC 7239 §4)."""
    if _TOKEN.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def forwarded_element(client: tuple[str, int] | None, scheme: str, host: str | None) -> str:
    """`for=<client>;proto=<scheme>;host=<original Host>`; IPv6 addresses go in brackets."""
    address = client[0] if client is not None else "unknown"
    node = f"[{address}]" if ":" in address else address
    parts = [f"for={_forwarded_value(node)}", f"proto={_forwarded_value(scheme)}"]
    if host:
        parts.append(f"host={_forwarded_value(host)}")
    return ";".join(parts)


def upstream_request_headers(
    raw: list[tuple[bytes, bytes]],
    *,
    client: tuple[str, int] | None,
    scheme: str,
    request_id: str | None,
    traceparent: str | None,
) -> list[tuple[str, str]]:
    """The headers to send upstream for a caller's ASGI `raw` headers."""
    extra_hop = (
        connection_tokens(raw) if any(name == b"connection" for name, _ in raw) else frozenset()
    )
    headers: list[tuple[str, str]] = []
    host: str | None = None
    via: list[str] = []
    for name, value in raw:
        if name in _REQUEST_DROPPED or name in extra_hop:
            if name == b"host":
                host = value.decode("latin-1")
            elif name == b"via":
                via.append(value.decode("latin-1"))
            continue
        headers.append((name.decode("latin-1"), value.decode("latin-1")))
    via.append(VIA)
    headers.append(("Via", ", ".join(via)))
    headers.append(("Forwarded", forwarded_element(client, scheme, host)))
    # The service's `/v1/x` is the caller's `/api/v1/x`: its problems name the caller's path.
    headers.append(("X-Forwarded-Prefix", API_PREFIX))
    if request_id:
        headers.append(("X-Request-ID", request_id))
    if traceparent:
        headers.append(("traceparent", traceparent))
    return headers


def rewrite_location(value: bytes, upstream_origin: bytes = b"") -> bytes:
    """A service's `/v1/...` is the gateway's `/api/v1/...`. An absolute URL on the service's own
    origin (Starlette builds those, e.g. for slash redirects) becomes the same relative path;
    anything else is left alone."""
    if upstream_origin and value.startswith(upstream_origin + b"/v1/"):
        value = value[len(upstream_origin) :]
    return b"/api" + value if value.startswith(b"/v1/") else value


def rewrite_link(value: bytes) -> bytes:
    """`</v1/x?cursor=..>; rel="next"` → `</api/v1/x?cursor=..>; rel="next"`, per link."""
    return value.replace(b"</v1/", b"</api/v1/")


def downstream_response_headers(
    raw: Iterable[tuple[bytes, bytes]], upstream_origin: bytes = b""
) -> list[tuple[bytes, bytes]]:
    """The headers to return to the caller for a service's raw response headers
    (`upstream_origin`: the service's `scheme://host:port`)."""
    pairs = [(name.lower(), value) for name, value in raw]
    extra_hop = (
        connection_tokens(pairs) if any(name == b"connection" for name, _ in pairs) else frozenset()
    )
    headers: list[tuple[bytes, bytes]] = []
    for name, value in pairs:
        if name in _RESPONSE_DROPPED or name in extra_hop:
            continue
        if name in _REWRITTEN:
            value = rewrite_location(value, upstream_origin)
        elif name == b"link":
            value = rewrite_link(value)
        headers.append((name, value))
    return headers
