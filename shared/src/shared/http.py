"""Service-to-service HTTP: one pooled httpx client per upstream.

Explicit timeouts; `X-Request-ID`, `traceparent` and the caller's `Authorization` forwarded from
the request context (or this service's own token outside a request); cookies never kept;
retries only for idempotent requests (GET/HEAD/OPTIONS, or with an `Idempotency-Key`) and only
on connection failures and 502/503/504; transport failures become 502/503/504 problems.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx
import stamina

from shared.context import authorization_var, request_id_var, traceparent_var
from shared.problems import ProblemError

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRY_STATUSES = frozenset({502, 503, 504})


class UpstreamUnavailable(ProblemError):
    slug = "upstream-unavailable"
    title = "A service this request needs is unavailable"
    status = 503

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": "5"})


class UpstreamTimeout(ProblemError):
    slug = "upstream-timeout"
    title = "A service this request needs did not answer in time"
    status = 504


class BadGateway(ProblemError):
    slug = "bad-gateway"
    title = "A service this request needs answered incorrectly"
    status = 502


def refusing_cookie_jar() -> CookieJar:
    """A jar that stores nothing: an upstream's Set-Cookie must never reach another caller."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response


class ServiceClient:
    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        # A token, or an awaitable of one (shared.service_tokens renews it by OAuth); a sync
        # callable serves development-signed tokens and tests' fakes.
        token_provider: Callable[[], str | Awaitable[str]] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        attempts: int = 3,
    ) -> None:
        self.name = name
        self.token_provider = token_provider
        self.attempts = attempts
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(
                connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
            ),
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
            transport=transport or httpx.AsyncHTTPTransport(retries=1),
            cookies=refusing_cookie_jar(),
            follow_redirects=False,
            event_hooks={"request": [self._add_context_headers]},
        )

    async def _add_context_headers(self, request: httpx.Request) -> None:
        request_id = request_id_var.get()
        if request_id and "x-request-id" not in request.headers:
            request.headers["X-Request-ID"] = request_id
        traceparent = traceparent_var.get()
        if traceparent and "traceparent" not in request.headers:
            request.headers["traceparent"] = traceparent
        # The caller's token, never silently this service's own: acting as the service is an
        # explicit choice (`as_service=True`), so a request without credentials stays without.
        if "authorization" not in request.headers:
            authorization = authorization_var.get()
            if authorization:
                request.headers["Authorization"] = authorization

    async def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        as_service: bool = False,
    ) -> httpx.Response:
        """Send a request; answers with any HTTP status, raises a problem on transport failure."""
        method = method.upper()
        all_headers = dict(headers or {})
        if as_service and self.token_provider is not None:
            # A token that cannot be had raises its own 503 problem (ServiceTokenUnavailable).
            token = self.token_provider()
            if not isinstance(token, str):
                token = await token
            all_headers["Authorization"] = f"Bearer {token}"
        retryable = method in _IDEMPOTENT or "Idempotency-Key" in all_headers
        attempts = self.attempts if retryable else 1
        try:
            async for attempt in stamina.retry_context(
                on=(httpx.ConnectError, httpx.ConnectTimeout, _RetryableStatus),
                attempts=attempts,
                wait_initial=0.1,
                wait_max=1.0,
                timeout=15.0,
            ):
                with attempt:
                    response = await self._client.request(
                        method, url, json=json, params=params, headers=all_headers
                    )
                    if retryable and response.status_code in _RETRY_STATUSES:
                        raise _RetryableStatus(response)
                    return response
        except _RetryableStatus as exc:
            return exc.response
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise UpstreamUnavailable(f"The {self.name} service could not be reached.") from exc
            raise UpstreamTimeout(f"The {self.name} service did not answer in time.") from exc
        except httpx.ConnectError as exc:
            raise UpstreamUnavailable(f"The {self.name} service could not be reached.") from exc
        except httpx.TransportError as exc:
            raise BadGateway(f"The {self.name} service's answer was cut off.") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def open_stream(
        self,
        url: str,
        *,
        params: Sequence[tuple[str, str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """GET whose body is read as it arrives (`aiter_bytes()`): an export relayed chunk by
        chunk. The caller must `aclose()` the response. Sent once (a retry could not resume a
        half-read body); transport failures before the answer become the same problems as
        `request`, and a failure while reading the body is an `httpx.TransportError`."""
        request = self._client.build_request("GET", url, params=list(params or ()), headers=headers)
        try:
            return await self._client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout):
                raise UpstreamUnavailable(f"The {self.name} service could not be reached.") from exc
            raise UpstreamTimeout(f"The {self.name} service did not answer in time.") from exc
        except httpx.ConnectError as exc:
            raise UpstreamUnavailable(f"The {self.name} service could not be reached.") from exc
        except httpx.TransportError as exc:
            raise BadGateway(f"The {self.name} service's answer was cut off.") from exc

    async def fetch_json(self, url: str, **kwargs: Any) -> Any:
        """GET another service's resource: its JSON, or None when that service says 404.

        The one way to read a referenced resource (a project, a stakeholder): an upstream 5xx
        is a 503 problem (retry later), any other answer or an unreadable body a 502."""
        response = await self.get(url, **kwargs)
        if response.status_code == 404:
            return None
        if response.status_code >= 500:
            raise UpstreamUnavailable(f"The {self.name} service answered {response.status_code}.")
        if response.status_code != 200:
            raise BadGateway(f"The {self.name} service answered {response.status_code}.")
        try:
            return response.json()
        except ValueError as exc:
            raise BadGateway(f"The {self.name} service answered with an unreadable body.") from exc

    @property
    def httpx_client(self) -> httpx.AsyncClient:
        """The pooled client, for instrumentation (shared.tracing); send through `request`."""
        return self._client

    async def aclose(self) -> None:
        await self._client.aclose()
