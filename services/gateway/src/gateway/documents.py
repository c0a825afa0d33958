"""The gateway's composed documents (the merged OpenAPI, the AsyncAPI): fetch one document from
each service at once, merge them, and reuse the result for a while.

One mechanism for both. A refresh holds a lock, so concurrent callers wait for it and reuse its
result. A service that fails or times out is left out and named by the merge (`unavailable`),
and a partial result is kept only briefly, so a service back up is seen soon.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from shared.http import ServiceClient
from shared.problems import ProblemError

Document = dict[str, Any]

logger = structlog.get_logger("gateway.documents")

PARTIAL_CACHE_SECONDS = 5.0  # how long a document missing a service is reused


class ComposedDocument:
    """`path` fetched from each of `services` the gateway has a client for, merged by `merge`
    (overridden), the result reused for `ttl` seconds."""

    path: str
    services: Sequence[str]
    as_service = False  # fetch as the gateway itself (a document the same for every caller)

    def __init__(
        self, clients: Mapping[str, ServiceClient], *, ttl: float, timeout: float, version: str
    ) -> None:
        self.clients = clients
        self.ttl = ttl
        self.timeout = timeout
        self.version = version
        self._cached: Document | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    def merge(self, documents: dict[str, Document], unavailable: list[str]) -> Document:
        raise NotImplementedError

    async def _fetch(self, service: str) -> Document | None:
        try:
            async with asyncio.timeout(self.timeout):
                response = await self.clients[service].get(self.path, as_service=self.as_service)
            if response.status_code != 200:
                logger.warning(
                    "document_fetch_refused",
                    path=self.path,
                    service=service,
                    status=response.status_code,
                )
                return None
            document = response.json()
        except (ProblemError, TimeoutError, ValueError) as exc:
            logger.warning(
                "document_fetch_failed", path=self.path, service=service, error=type(exc).__name__
            )
            return None
        return document if isinstance(document, dict) else None

    async def document(self) -> Document:
        async with self._lock:  # one refresh at a time; waiters then reuse its result
            if self._cached is None or time.monotonic() >= self._expires:
                names = [name for name in self.services if name in self.clients]
                fetched = await asyncio.gather(*(self._fetch(name) for name in names))
                documents = {
                    name: doc for name, doc in zip(names, fetched, strict=True) if doc is not None
                }
                unavailable = [name for name in names if name not in documents]
                self._cached = self.merge(documents, unavailable)
                self._expires = time.monotonic() + (
                    min(self.ttl, PARTIAL_CACHE_SECONDS) if unavailable else self.ttl
                )
            return self._cached
