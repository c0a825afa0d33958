"""The stakeholders service as this service sees it: the one typed client for it (issue #10
item 1). Personal data stays there; this service keeps stakeholder ids on boundary partners.

Every call to the stakeholders service goes through `StakeholdersClient`, built on
`shared.http.ServiceClient.fetch_json` and answering pydantic models, never raw JSON:

- `get_stakeholder(id)`: `GET /v1/stakeholders/{id}` as a `StakeholderRef` (its id and
  `status`, which the stakeholders service publishes in every view of a stakeholder; an erased
  one answers 200 with `status: erased`).

Token rule (decided once, for every client): a call made on behalf of a request forwards the
caller's token (shared.http does it from the request context); only background work (consumers,
scheduled jobs) acts as this service, by building the client with `as_service=True`. Every
principal may read a stakeholder's id and status, so the caller's token gets the same answer
the service's would.

Error mapping (`fetch_json`): a 404 is "no such stakeholder" (None, for the caller to turn into
its own 422 on the field that named it); an upstream 5xx, a refused connection or a connect
timeout is 503 `upstream-unavailable` (with `Retry-After`: retry later); a read timeout is 504
`upstream-timeout`; any other status, an unreadable body or one that does not match the
published stakeholder shape is 502 `bad-gateway`.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from shared.http import BadGateway, ServiceClient, UpstreamTimeout, UpstreamUnavailable

# The problems a call may answer besides its result, for the routes' OpenAPI responses.
UPSTREAM_PROBLEMS = (UpstreamUnavailable, UpstreamTimeout, BadGateway)


class StakeholderRef(BaseModel):
    """A stakeholder as a reference: which one, and whether it still exists (`status`)."""

    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    status: str

    @property
    def erased(self) -> bool:
        return self.status == "erased"


class StakeholdersClient:
    """The stakeholders service, typed. `as_service=True` only for background work (see above)."""

    def __init__(self, client: ServiceClient, *, as_service: bool = False) -> None:
        self.client = client
        self.as_service = as_service

    async def get_stakeholder(self, stakeholder_id: uuid.UUID) -> StakeholderRef | None:
        """The stakeholder, or None if the stakeholders service does not know it."""
        body = await self.client.fetch_json(
            f"/v1/stakeholders/{stakeholder_id}", as_service=self.as_service
        )
        if body is None:
            return None
        try:
            return StakeholderRef.model_validate(body)
        except ValidationError as exc:
            raise BadGateway(
                f"The {self.client.name} service answered with an unexpected body."
            ) from exc


async def stakeholders_client(request: Request) -> StakeholdersClient:
    """The client for a request: the caller's token is forwarded."""
    return StakeholdersClient(request.app.state.clients["stakeholders"])


StakeholdersClientDep = Annotated[StakeholdersClient, Depends(stakeholders_client)]
