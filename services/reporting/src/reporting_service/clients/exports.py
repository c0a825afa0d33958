"""The data-owning services' exports as reporting reads them: one client per service for its
dictionary (`GET /v1/exports`) and for one dataset streamed as CSV (`GET /v1/exports/{name}`).

The caller's token is forwarded (see `clients.base`), so each service applies its own rules
(roles, personal fields, suppression) to what reporting composes. A dataset's body is relayed
chunk by chunk, never read whole.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Annotated

import httpx
from fastapi import Depends, Request

from reporting_service.clients import UPSTREAMS
from reporting_service.clients.base import Upstream, UpstreamFailure
from reporting_service.clients.exports_schemas import ExportDictionary
from shared.problems import ProblemError

CSV = "text/csv"


class ExportStream:
    """One dataset's CSV as the owning service streams it; `close()` releases the connection
    (also when the body was not read to the end)."""

    def __init__(self, service: str, response: httpx.Response) -> None:
        self.service = service
        self.response = response

    @property
    def status(self) -> int:
        return self.response.status_code

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.response.aiter_bytes():
                yield chunk
        except httpx.HTTPError as exc:
            # Cut off mid-body (the owner aborted, or the connection broke): the caller must not
            # pass the part it got on as a whole file.
            raise UpstreamFailure(self.service, "its export was cut off") from exc

    async def close(self) -> None:
        await self.response.aclose()


class ExportsClient:
    def __init__(self, upstream: Upstream) -> None:
        self.upstream = upstream

    @property
    def name(self) -> str:
        return self.upstream.name

    async def dictionary(self) -> ExportDictionary:
        """`GET /v1/exports`: every dataset this service exports, with its columns and roles."""
        return await self.upstream.need("/v1/exports", ExportDictionary)

    async def open_csv(self, dataset: str, params: Sequence[tuple[str, str]]) -> ExportStream:
        """`GET /v1/exports/{dataset}?format=csv&...`, its body not read yet."""
        try:
            response = await self.upstream.client.open_stream(
                f"/v1/exports/{dataset}",
                params=[("format", "csv"), *params],
                headers={"Accept": CSV},
            )
        except ProblemError as exc:  # shared.http: refused, timed out, cut off
            raise UpstreamFailure(self.name, exc.title.lower()) from exc
        return ExportStream(self.name, response)


async def exports_clients(request: Request) -> list[ExportsClient]:
    """One client per data-owning service, for this request (the caller's token forwarded)."""
    return [ExportsClient(Upstream(request.app.state.clients[name])) for name in UPSTREAMS]


ExportsClientsDep = Annotated[list[ExportsClient], Depends(exports_clients)]
